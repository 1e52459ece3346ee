"""One module per printed document; each turns a visit into a :class:`printouts.documents.base.Document`."""
