<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>AddUserDialog</name>
    <message>
        <location filename="../users.py" line="15"/>
        <source>添加用户</source>
        <translation>Add user</translation>
    </message>
    <message>
        <location filename="../users.py" line="22"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../users.py" line="23"/>
        <source>密码</source>
        <translation>Passphrase</translation>
    </message>
    <message>
        <location filename="../users.py" line="24"/>
        <source>再次输入密码</source>
        <translation>Repeat passphrase</translation>
    </message>
</context>
<context>
    <name>AppStatusBar</name>
    <message>
        <location filename="../status_bar.py" line="61"/>
        <source>● 在线</source>
        <translation>● Online</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="61"/>
        <source>○ 离线</source>
        <translation>○ Offline</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="63"/>
        <source>待同步 %1 条</source>
        <translation>%1 changes to sync</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="64"/>
        <source>上次同步：%1</source>
        <translation>Last sync: %1</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="64"/>
        <source>从未</source>
        <translation>never</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="65"/>
        <source>当前用户：%1</source>
        <translation>User: %1</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="66"/>
        <source>同步</source>
        <translation>Sync</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="67"/>
        <source>县局可恢复</source>
        <translation>County can recover</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="67"/>
        <source>⚠ 县局不能恢复本机数据</source>
        <translation>⚠ County cannot recover this laptop&apos;s data</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="68"/>
        <source>电脑丢失或忘记密码时，县民政局能否用恢复密钥取回本机数据；详见“工具 → 加入县级服务器”。</source>
        <translation>Whether the county civil affairs bureau can recover this laptop&apos;s data with its recovery key if the laptop is lost or the passphrase forgotten; see Tools → Join county server.</translation>
    </message>
    <message>
        <location filename="../status_bar.py" line="70"/>
        <source>⚠ 冲突 %1 处</source>
        <translation>⚠ %1 conflict(s)</translation>
    </message>
</context>
<context>
    <name>AssessmentPanel</name>
    <message>
        <location filename="../assessment_panel.py" line="95"/>
        <source>填写家庭成员和收入后，这里会显示政策提示。</source>
        <translation>Policy hints appear here once members and income are filled in.</translation>
    </message>
    <message>
        <location filename="../assessment_panel.py" line="100"/>
        <source>人均月收入</source>
        <translation>Per-capita monthly income</translation>
    </message>
    <message>
        <location filename="../assessment_panel.py" line="100"/>
        <location filename="../assessment_panel.py" line="102"/>
        <source>元</source>
        <translation>yuan</translation>
    </message>
    <message>
        <location filename="../assessment_panel.py" line="102"/>
        <source>低保标准</source>
        <translation>Dibao standard</translation>
    </message>
    <message>
        <location filename="../assessment_panel.py" line="104"/>
        <source>家庭人口</source>
        <translation>Household size</translation>
    </message>
    <message>
        <location filename="../assessment_panel.py" line="106"/>
        <source>缺少本县低保标准：收入类提示暂不显示，请同步或联系县民政局</source>
        <translation>This county&apos;s dibao standard is missing: income suggestions are not shown. Sync, or contact the county civil affairs bureau</translation>
    </message>
    <message>
        <location filename="../assessment_panel.py" line="109"/>
        <source>（演示参考数据）</source>
        <translation>(demo reference data)</translation>
    </message>
    <message>
        <location filename="../assessment_panel.py" line="134"/>
        <source>政策提示（随填写实时更新）</source>
        <translation>Policy hints (updated as you type)</translation>
    </message>
    <message>
        <location filename="../assessment_panel.py" line="134"/>
        <source>政策提示（按已保存的走访）</source>
        <translation>Policy hints (from the saved visit)</translation>
    </message>
    <message>
        <location filename="../assessment_panel.py" line="135"/>
        <source>以下为系统根据规则给出的参考，不是审批结论；由乡镇、县级部门决定。</source>
        <translation>These are rule-based suggestions, not decisions; the township and county decide.</translation>
    </message>
</context>
<context>
    <name>BatchPrint</name>
    <message>
        <location filename="../batch_print.py" line="17"/>
        <source>走访结果及政策告知书</source>
        <translation>Visit result and policy notice</translation>
    </message>
    <message>
        <location filename="../batch_print.py" line="18"/>
        <source>复核告知书</source>
        <translation>Review notice</translation>
    </message>
    <message>
        <location filename="../batch_print.py" line="19"/>
        <source>转介告知书</source>
        <translation>Referral notice</translation>
    </message>
    <message>
        <location filename="../batch_print.py" line="20"/>
        <source>家庭经济状况核对授权书</source>
        <translation>Consent to check family finances</translation>
    </message>
    <message>
        <location filename="../batch_print.py" line="21"/>
        <source>入户调查记录</source>
        <translation>Visit record</translation>
    </message>
</context>
<context>
    <name>BatchPrintDialog</name>
    <message>
        <location filename="../batch_print.py" line="74"/>
        <source>批量打印</source>
        <translation>Batch printing</translation>
    </message>
    <message>
        <location filename="../batch_print.py" line="75"/>
        <source>文书：</source>
        <translation>Document:</translation>
    </message>
    <message>
        <location filename="../batch_print.py" line="78"/>
        <source>整个村：</source>
        <translation>Whole village:</translation>
    </message>
    <message>
        <location filename="../batch_print.py" line="79"/>
        <source>当前列表中的 %1 户</source>
        <translation>The %1 households in the list now</translation>
    </message>
    <message>
        <location filename="../batch_print.py" line="80"/>
        <source>生成</source>
        <translation>Generate</translation>
    </message>
    <message>
        <location filename="../batch_print.py" line="81"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>BatchPrintJob</name>
    <message>
        <location filename="../batch_print.py" line="102"/>
        <source>正在生成 %1（%2 户）…</source>
        <translation>Generating %1 (%2 households)…</translation>
    </message>
    <message>
        <location filename="../batch_print.py" line="112"/>
        <source>已取消打印，没有生成文件。</source>
        <translation>Printing cancelled: no file was made.</translation>
    </message>
    <message>
        <location filename="../batch_print.py" line="117"/>
        <source>已生成 %1 份，共 %2 页。</source>
        <translation>Generated %1 documents, %2 pages.</translation>
    </message>
    <message>
        <location filename="../batch_print.py" line="119"/>
        <source>有 %1 户没有可打印的内容，已跳过。</source>
        <translation> %1 households had nothing to print and were skipped.</translation>
    </message>
    <message>
        <location filename="../batch_print.py" line="136"/>
        <source>没有生成打印文件</source>
        <translation>No print file was made</translation>
    </message>
</context>
<context>
    <name>BooleanField</name>
    <message>
        <location filename="../form_fields.py" line="329"/>
        <source>是</source>
        <translation>Yes</translation>
    </message>
    <message>
        <location filename="../form_fields.py" line="329"/>
        <source>否</source>
        <translation>No</translation>
    </message>
</context>
<context>
    <name>ConflictsDialog</name>
    <message>
        <location filename="../conflicts_view.py" line="86"/>
        <source>没有待处理的冲突。</source>
        <translation>No conflicts to handle.</translation>
    </message>
    <message>
        <location filename="../conflicts_view.py" line="89"/>
        <source>本机</source>
        <translation>this laptop</translation>
    </message>
    <message>
        <location filename="../conflicts_view.py" line="89"/>
        <source>另一台电脑</source>
        <translation>another laptop</translation>
    </message>
    <message>
        <location filename="../conflicts_view.py" line="90"/>
        <source>户：%1&#x3000;&#x3000;后提交的一方：%2</source>
        <translation>Household: %1    Submitted later by: %2</translation>
    </message>
    <message>
        <location filename="../conflicts_view.py" line="101"/>
        <source>手动填写：</source>
        <translation>Type a value:</translation>
    </message>
    <message>
        <location filename="../conflicts_view.py" line="172"/>
        <source>冲突没有处理成功</source>
        <translation>The conflict was not resolved</translation>
    </message>
    <message>
        <location filename="../conflicts_view.py" line="175"/>
        <source>正在提交处理结果…</source>
        <translation>Sending the resolution…</translation>
    </message>
    <message>
        <location filename="../conflicts_view.py" line="184"/>
        <source>同步冲突</source>
        <translation>Sync conflicts</translation>
    </message>
    <message>
        <location filename="../conflicts_view.py" line="186"/>
        <source>两台电脑在离线时改了同一户的同一项内容。请逐项选择保留哪个值，或手动填写，然后点“保存处理结果”。处理结果会同步到所有电脑。</source>
        <translation>Two laptops changed the same item of the same household while offline. Choose, item by item, which value to keep, or type one, then click &quot;Save resolution&quot;. The result reaches every laptop at its next sync.</translation>
    </message>
    <message>
        <location filename="../conflicts_view.py" line="189"/>
        <source>两台电脑在离线时改了同一户的同一项内容。冲突由乡镇经办机构处理，本机只能查看；处理后会在下次同步时自动更新。</source>
        <translation>Two laptops changed the same item of the same household while offline. The township office resolves conflicts; this laptop can only view them, and gets the result at its next sync.</translation>
    </message>
    <message>
        <location filename="../conflicts_view.py" line="191"/>
        <source>项目</source>
        <translation>Item</translation>
    </message>
    <message>
        <location filename="../conflicts_view.py" line="191"/>
        <source>服务器上的值</source>
        <translation>Value on the server</translation>
    </message>
    <message>
        <location filename="../conflicts_view.py" line="191"/>
        <source>后提交的值</source>
        <translation>Value submitted later</translation>
    </message>
    <message>
        <location filename="../conflicts_view.py" line="192"/>
        <source>手动填写</source>
        <translation>Typed value</translation>
    </message>
    <message>
        <location filename="../conflicts_view.py" line="192"/>
        <source>填写的值</source>
        <translation>Value typed</translation>
    </message>
    <message>
        <location filename="../conflicts_view.py" line="193"/>
        <source>保存处理结果</source>
        <translation>Save resolution</translation>
    </message>
    <message>
        <location filename="../conflicts_view.py" line="194"/>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
</context>
<context>
    <name>CoverageChart</name>
    <message>
        <location filename="../coverage.py" line="40"/>
        <source>暂无数据</source>
        <translation>No data yet</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="50"/>
        <source>目标户数</source>
        <translation>Target households</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="52"/>
        <source>已走访</source>
        <translation>Visited</translation>
    </message>
</context>
<context>
    <name>CoveragePage</name>
    <message>
        <location filename="../coverage.py" line="161"/>
        <source>点击查看这些户</source>
        <translation>Click to see these households</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="191"/>
        <source>村（社区）</source>
        <translation>Village</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="191"/>
        <source>目标户数</source>
        <translation>Target households</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="191"/>
        <source>已走访</source>
        <translation>Visited</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="191"/>
        <source>进度</source>
        <translation>Progress</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="191"/>
        <source>草稿</source>
        <translation>Draft</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="192"/>
        <source>复核逾期</source>
        <translation>Review overdue</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="192"/>
        <source>未解决需求</source>
        <translation>Open needs</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="192"/>
        <source>无法入户</source>
        <translation>Could not visit</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="192"/>
        <source>主动发现</source>
        <translation>Found in the field</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="193"/>
        <source>待审核</source>
        <translation>Awaiting review</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="193"/>
        <source>已退回</source>
        <translation>Returned</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="193"/>
        <source>已审核通过</source>
        <translation>Approved</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="193"/>
        <source>审核超期</source>
        <translation>Review past deadline</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="195"/>
        <source>按复核计划已到期、尚未重新走访核实的户</source>
        <translation>Households whose scheduled re-check is due and who have not been re-visited yet</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="196"/>
        <source>走访后待审核超过县参考数据规定审核期限的户（与县管理平台同一规则）</source>
        <translation>Households whose visit has awaited review longer than the county&apos;s review deadline in its reference data (the same rule as the county console)</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="197"/>
        <source>需求办理情况（点击查看有未解决需求的户）</source>
        <translation>Needs by disposition (click to see households with open needs)</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="198"/>
        <source>两个全覆盖：每个目标户都要走访，每户情况都要摸清。点击数字可查看对应的户。</source>
        <translation>Full coverage: every target household visited, every situation clarified. Click a number to see the households.</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="202"/>
        <source>审核超期：待审核超过 %1 天（县参考数据规定的审核期限）。</source>
        <translation>Review past deadline: awaiting review for more than %1 days (the county&apos;s review deadline in its reference data).</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="205"/>
        <source>县参考数据未设定审核期限，不计审核超期。</source>
        <translation>The county&apos;s reference data sets no review deadline: no review is counted as past deadline.</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="207"/>
        <source>覆盖情况</source>
        <translation>Coverage</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="214"/>
        <source>已走访 %1，无法入户 %4 / 目标 %2 户（%3%）</source>
        <translation>Visited %1, could not visit %4 / %2 target households (%3%)</translation>
    </message>
    <message>
        <location filename="../coverage.py" line="217"/>
        <source>已走访 %1 / 目标 %2 户（%3%）</source>
        <translation>Visited %1 of %2 target households (%3%)</translation>
    </message>
</context>
<context>
    <name>EnrollDialog</name>
    <message>
        <location filename="../enroll.py" line="219"/>
        <source>加入县级服务器</source>
        <translation>Join county server</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="220"/>
        <source>登记</source>
        <translation>Enroll</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="226"/>
        <source>已加入县级服务器 %1（%2）。服务器指纹：%3</source>
        <translation>Joined county server %1 (%2). Server fingerprint: %3</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="229"/>
        <source>登记码有效。请核对下面的服务器指纹，与登记单一致后勾选确认，再点“登记”；关闭则本机不加入。</source>
        <translation>The code is valid. Compare the server fingerprint below with the enrollment sheet, tick the box if they match, then click Enroll; closing leaves this laptop unenrolled.</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="231"/>
        <source>登记码尚未核对成功：请重新输入，或联网后同步。</source>
        <translation>The enrollment code has not been confirmed yet: type it again, or sync when online.</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="233"/>
        <source>这台电脑还没有加入县级服务器。</source>
        <translation>This laptop has not joined the county server yet.</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="234"/>
        <source>县民政局可以恢复这台电脑的数据。</source>
        <translation>The county civil affairs bureau can recover this laptop&apos;s data.</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="235"/>
        <source>县民政局目前无法恢复这台电脑的数据（尚未收到县级恢复密钥）。</source>
        <translation>The county civil affairs bureau cannot recover this laptop&apos;s data yet (no county recovery key received).</translation>
    </message>
</context>
<context>
    <name>ErrorMessages</name>
    <message>
        <location filename="../errors.py" line="34"/>
        <source>出现了意外错误（参考编号 %1）。

请再试一次；如果仍然出错，请把这个参考编号告诉乡镇经办人员。</source>
        <translation>Something unexpected went wrong (reference %1).

Please try again; if it keeps happening, give this reference to the township office.</translation>
    </message>
    <message>
        <location filename="../errors.py" line="43"/>
        <source>出错了</source>
        <translation>Something went wrong</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <location filename="../firstrun.py" line="167"/>
        <source>首次使用</source>
        <translation>First run</translation>
    </message>
</context>
<context>
    <name>HistoryView</name>
    <message>
        <location filename="../history_view.py" line="50"/>
        <source>已完成</source>
        <translation>Finished</translation>
    </message>
    <message>
        <location filename="../history_view.py" line="50"/>
        <source>未完成</source>
        <translation>Not finished</translation>
    </message>
    <message>
        <location filename="../history_view.py" line="53"/>
        <source>待审核</source>
        <translation>Awaiting review</translation>
    </message>
    <message>
        <location filename="../history_view.py" line="53"/>
        <source>已审核通过</source>
        <translation>Approved</translation>
    </message>
    <message>
        <location filename="../history_view.py" line="54"/>
        <source>已退回</source>
        <translation>Returned</translation>
    </message>
    <message>
        <location filename="../history_view.py" line="56"/>
        <source>修改后重新提交</source>
        <translation>Resubmitted after changes</translation>
    </message>
    <message>
        <location filename="../history_view.py" line="66"/>
        <source>这一户还没有走访记录。</source>
        <translation>This household has no visits yet.</translation>
    </message>
    <message>
        <location filename="../history_view.py" line="71"/>
        <source>这是第一次走访记录，没有可比较的上一次。</source>
        <translation>This is the first visit; there is no earlier one to compare with.</translation>
    </message>
    <message>
        <location filename="../history_view.py" line="73"/>
        <source>与上一次走访相比没有变化。</source>
        <translation>Nothing changed since the previous visit.</translation>
    </message>
    <message>
        <location filename="../history_view.py" line="75"/>
        <source>与上一次走访相比，有 %1 处变化：</source>
        <translation>%1 changes since the previous visit:</translation>
    </message>
    <message>
        <location filename="../history_view.py" line="78"/>
        <source>审核通过</source>
        <translation>Approved</translation>
    </message>
    <message>
        <location filename="../history_view.py" line="78"/>
        <source>退回</source>
        <translation>Returned</translation>
    </message>
    <message>
        <location filename="../history_view.py" line="95"/>
        <source>部分</source>
        <translation>Section</translation>
    </message>
    <message>
        <location filename="../history_view.py" line="95"/>
        <source>项目</source>
        <translation>Item</translation>
    </message>
    <message>
        <location filename="../history_view.py" line="95"/>
        <source>上次</source>
        <translation>Before</translation>
    </message>
    <message>
        <location filename="../history_view.py" line="95"/>
        <source>本次</source>
        <translation>Now</translation>
    </message>
</context>
<context>
    <name>HouseholdListPage</name>
    <message>
        <location filename="../household_list.py" line="185"/>
        <source>显示 %1 / 共 %2 户</source>
        <translation>Showing %1 of %2 households</translation>
    </message>
    <message>
        <location filename="../household_list.py" line="187"/>
        <source>（找到的户太多，只显示一部分，请多输入几个字）</source>
        <translation> (too many matches: only some are shown — type more characters)</translation>
    </message>
    <message>
        <location filename="../household_list.py" line="202"/>
        <source>全部村（社区）</source>
        <translation>All villages</translation>
    </message>
    <message>
        <location filename="../household_list.py" line="211"/>
        <source>查找</source>
        <translation>Find</translation>
    </message>
    <message>
        <location filename="../household_list.py" line="212"/>
        <source>输入姓名、地址或身份证号（可只输入一部分）</source>
        <translation>Type a name, address or ID number (any part of it)</translation>
    </message>
    <message>
        <location filename="../household_list.py" line="214"/>
        <source>全部类别</source>
        <translation>All categories</translation>
    </message>
    <message>
        <location filename="../household_list.py" line="215"/>
        <source>全部走访状态</source>
        <translation>Any visit status</translation>
    </message>
    <message>
        <location filename="../household_list.py" line="216"/>
        <source>复核：全部</source>
        <translation>Review: any</translation>
    </message>
    <message>
        <location filename="../household_list.py" line="216"/>
        <source>复核已逾期</source>
        <translation>Review overdue</translation>
    </message>
    <message>
        <location filename="../household_list.py" line="216"/>
        <source>30 天内到期</source>
        <translation>Due within 30 days</translation>
    </message>
    <message>
        <location filename="../household_list.py" line="217"/>
        <source>全部标记</source>
        <translation>Any flag</translation>
    </message>
    <message>
        <location filename="../household_list.py" line="218"/>
        <source>有未解决需求</source>
        <translation>Has open needs</translation>
    </message>
    <message>
        <location filename="../household_list.py" line="219"/>
        <source>新增户（主动发现）…</source>
        <translation>New household (found in the field)…</translation>
    </message>
</context>
<context>
    <name>HouseholdTab</name>
    <message>
        <location filename="../household_tab.py" line="81"/>
        <source>已恢复上次未保存完的草稿（自动保存于 %1）。请核对后继续填写。</source>
        <translation>The unfinished draft was recovered (autosaved at %1). Please check it and carry on.</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="138"/>
        <location filename="../household_tab.py" line="329"/>
        <source>放弃草稿</source>
        <translation>Discard draft</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="139"/>
        <source>放弃这次未保存的填写内容？已保存的走访记录不受影响。</source>
        <translation>Discard what was typed and not saved? Saved visits are not affected.</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="176"/>
        <source>正在修改已完成的走访：保存后原记录保留在走访记录中。</source>
        <translation>Amending a finished visit: the original record stays in the history.</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="213"/>
        <source>走访已完成并保存。</source>
        <translation>The visit is finished and saved.</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="248"/>
        <source>已生成</source>
        <translation>Done</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="248"/>
        <source>已生成 %1 页：%2</source>
        <translation>%1 pages written: %2</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="262"/>
        <source>正在生成 PDF…</source>
        <translation>Making the PDF…</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="283"/>
        <source>新户</source>
        <translation>New household</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="314"/>
        <source>无法入户…</source>
        <translation>Could not visit…</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="321"/>
        <source>已完成的走访（只读）</source>
        <translation>Finished visit (read-only)</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="321"/>
        <source>本次走访</source>
        <translation>This visit</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="325"/>
        <source>走访记录与变化</source>
        <translation>Visits and changes</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="326"/>
        <source>需求办理</source>
        <translation>Needs</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="327"/>
        <source>修改这次走访（保留原记录）</source>
        <translation>Amend this visit (keeps the original)</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="328"/>
        <source>开始新的走访</source>
        <translation>Start a new visit</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="330"/>
        <source>打印</source>
        <translation>Print</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="334"/>
        <source>家庭经济状况核对授权书</source>
        <translation>Consent to check family finances</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="334"/>
        <source>入户调查记录</source>
        <translation>Visit record</translation>
    </message>
    <message>
        <location filename="../household_tab.py" line="335"/>
        <source>走访结果告知书</source>
        <translation>Visit result letter</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <location filename="../labels.py" line="21"/>
        <source>、</source>
        <translation>, </translation>
    </message>
    <message>
        <location filename="../labels.py" line="27"/>
        <source>户主</source>
        <translation>Head</translation>
    </message>
    <message>
        <location filename="../labels.py" line="28"/>
        <source>身份证号</source>
        <translation>ID number</translation>
    </message>
    <message>
        <location filename="../labels.py" line="29"/>
        <source>村（社区）</source>
        <translation>Village</translation>
    </message>
    <message>
        <location filename="../labels.py" line="30"/>
        <source>地址</source>
        <translation>Address</translation>
    </message>
    <message>
        <location filename="../labels.py" line="31"/>
        <source>救助类别</source>
        <translation>Categories</translation>
    </message>
    <message>
        <location filename="../labels.py" line="32"/>
        <source>走访状态</source>
        <translation>Visit status</translation>
    </message>
    <message>
        <location filename="../labels.py" line="33"/>
        <source>下次复核</source>
        <translation>Next review</translation>
    </message>
    <message>
        <location filename="../labels.py" line="34"/>
        <source>未解决需求</source>
        <translation>Open needs</translation>
    </message>
    <message>
        <location filename="../labels.py" line="35"/>
        <source>标记</source>
        <translation>Flags</translation>
    </message>
    <message>
        <location filename="../labels.py" line="43"/>
        <source>未走访</source>
        <translation>Not visited</translation>
    </message>
    <message>
        <location filename="../labels.py" line="44"/>
        <source>草稿</source>
        <translation>Draft</translation>
    </message>
    <message>
        <location filename="../labels.py" line="45"/>
        <source>已走访</source>
        <translation>Visited</translation>
    </message>
    <message>
        <location filename="../labels.py" line="46"/>
        <source>无法入户</source>
        <translation>Could not visit</translation>
    </message>
    <message>
        <location filename="../labels.py" line="53"/>
        <source>儿童保护（紧急）</source>
        <translation>Child protection (urgent)</translation>
    </message>
    <message>
        <location filename="../labels.py" line="54"/>
        <source>需备案</source>
        <translation>Filing needed</translation>
    </message>
    <message>
        <location filename="../labels.py" line="55"/>
        <source>需核实</source>
        <translation>Verify</translation>
    </message>
    <message>
        <location filename="../labels.py" line="56"/>
        <source>重点关注</source>
        <translation>Watch list</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../first_run_flow.py" line="43"/>
        <source>登记码未被接受</source>
        <translation>Enrollment code not accepted</translation>
    </message>
    <message>
        <location filename="../first_run_flow.py" line="50"/>
        <source>正在创建本机加密数据库…</source>
        <translation>Creating the encrypted database on this laptop…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="201"/>
        <source>正在读取户信息…</source>
        <translation>Reading households…</translation>
    </message>
    <message>
        <location filename="../users.py" line="55"/>
        <source>已添加</source>
        <translation>Added</translation>
    </message>
    <message>
        <location filename="../users.py" line="56"/>
        <source>已添加用户“%1”。</source>
        <translation>User “%1” was added.</translation>
    </message>
    <message>
        <location filename="../exchange_actions.py" line="25"/>
        <source>导入走访记录</source>
        <translation>Import visits</translation>
    </message>
    <message>
        <location filename="../exchange_actions.py" line="37"/>
        <source>导入</source>
        <translation>Import</translation>
    </message>
    <message>
        <location filename="../exchange_actions.py" line="45"/>
        <source>已导入 %1 条走访记录。</source>
        <translation>%1 visits imported.</translation>
    </message>
    <message>
        <location filename="../exchange_actions.py" line="47"/>
        <source>有 %1 条不合格，未导入。</source>
        <translation> %1 were not valid and were skipped.</translation>
    </message>
    <message>
        <location filename="../exchange_actions.py" line="49"/>
        <source>导入完成</source>
        <translation>Import finished</translation>
    </message>
    <message>
        <location filename="../exchange_actions.py" line="57"/>
        <source>正在导入…</source>
        <translation>Importing…</translation>
    </message>
    <message>
        <location filename="../exchange_actions.py" line="69"/>
        <source>导出走访记录</source>
        <translation>Export visits</translation>
    </message>
    <message>
        <location filename="../exchange_actions.py" line="74"/>
        <location filename="../exchange_actions.py" line="79"/>
        <location filename="../exchange_actions.py" line="84"/>
        <source>导出</source>
        <translation>Export</translation>
    </message>
    <message>
        <location filename="../exchange_actions.py" line="38"/>
        <source>导出文件的密码：</source>
        <translation>Password of the export file:</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="299"/>
        <source>上次同步时，县服务器没有发现身份证号重复的家庭。</source>
        <translation>At the last sync the county server found no households sharing an ID number.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="306"/>
        <source>以下家庭的成员身份证号相同，系统没有合并，请核实后处理：</source>
        <translation>Members of these households share an ID number. They were not merged; please check them:</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="307"/>
        <source>疑似重复户</source>
        <translation>Possible duplicate households</translation>
    </message>
    <message>
        <location filename="../users.py" line="63"/>
        <source>正在添加用户…</source>
        <translation>Adding the user…</translation>
    </message>
    <message>
        <location filename="../exchange_actions.py" line="67"/>
        <source>走访记录导出</source>
        <translation>visits-export</translation>
    </message>
    <message>
        <location filename="../exchange_actions.py" line="75"/>
        <source>为导出文件设置密码（至少 8 位）：</source>
        <translation>Choose a password for the export file (at least 8 characters):</translation>
    </message>
    <message>
        <location filename="../exchange_actions.py" line="80"/>
        <source>再次输入密码：</source>
        <translation>Type the password again:</translation>
    </message>
    <message>
        <location filename="../exchange_actions.py" line="85"/>
        <source>两次输入的密码不一致，或少于 8 位。</source>
        <translation>The passwords differ or are shorter than 8 characters.</translation>
    </message>
    <message>
        <location filename="../exchange_actions.py" line="92"/>
        <source>导出完成</source>
        <translation>Export finished</translation>
    </message>
    <message>
        <location filename="../exchange_actions.py" line="93"/>
        <source>已加密导出 %1 条走访记录到：%2</source>
        <translation>Exported %1 visits, encrypted, to: %2</translation>
    </message>
    <message>
        <location filename="../exchange_actions.py" line="98"/>
        <source>正在导出…</source>
        <translation>Exporting…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="525"/>
        <source>四个摸清 入户走访</source>
        <translation>Four Clarifications home visits</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="525"/>
        <source>（演示数据）</source>
        <translation> (demo data)</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="526"/>
        <source>走访户</source>
        <translation>Households</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="528"/>
        <source>覆盖情况</source>
        <translation>Coverage</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="529"/>
        <source>文件</source>
        <translation>File</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="530"/>
        <source>工具</source>
        <translation>Tools</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="531"/>
        <source>锁定</source>
        <translation>Lock</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="532"/>
        <source>导入走访记录…</source>
        <translation>Import visits…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="533"/>
        <source>导出走访记录（加密）…</source>
        <translation>Export visits (encrypted)…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="534"/>
        <source>立即同步</source>
        <translation>Sync now</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="535"/>
        <source>同步冲突…</source>
        <translation>Sync conflicts…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="536"/>
        <source>批量打印…</source>
        <translation>Batch printing…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="537"/>
        <source>新增户（主动发现）…</source>
        <translation>New household (found in the field)…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="538"/>
        <source>疑似重复户（身份证号相同）…</source>
        <translation>Possible duplicate households (same ID number)…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="539"/>
        <source>加入县级服务器 / 重新输入登记码…</source>
        <translation>Join county server / re-enter enrollment code…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="540"/>
        <source>设置…</source>
        <translation>Settings…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="541"/>
        <source>添加用户…</source>
        <translation>Add user…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="542"/>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="544"/>
        <location filename="../review_widgets.py" line="123"/>
        <source>审核走访…</source>
        <translation>Review visits…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="546"/>
        <location filename="../set_aside_view.py" line="152"/>
        <source>被拒收的记录（重新发送）…</source>
        <translation>Refused records (send again)…</translation>
    </message>
    <message>
        <location filename="../set_aside_view.py" line="166"/>
        <source>⚠ 被拒收 %1 条</source>
        <translation>⚠ %1 refused</translation>
    </message>
    <message>
        <location filename="../set_aside_view.py" line="167"/>
        <source>县服务器拒收的记录：点此查看原因、改正后重新发送</source>
        <translation>Records the county server refused: click to see why, correct them and send them again</translation>
    </message>
</context>
<context>
    <name>MemberRefsField</name>
    <message>
        <location filename="../form_fields.py" line="431"/>
        <source>（请先在“家庭成员”中登记成员）</source>
        <translation>(record the household members first)</translation>
    </message>
</context>
<context>
    <name>NeedsView</name>
    <message>
        <location filename="../needs_view.py" line="105"/>
        <source>办理记录：</source>
        <translation>History: </translation>
    </message>
    <message>
        <location filename="../needs_view.py" line="105"/>
        <source>暂无</source>
        <translation>none yet</translation>
    </message>
    <message>
        <location filename="../needs_view.py" line="133"/>
        <source>更新办理情况</source>
        <translation>Update the disposition</translation>
    </message>
    <message>
        <location filename="../needs_view.py" line="134"/>
        <source>办理方式</source>
        <translation>Disposition</translation>
    </message>
    <message>
        <location filename="../needs_view.py" line="134"/>
        <source>转介部门</source>
        <translation>Referred to</translation>
    </message>
    <message>
        <location filename="../needs_view.py" line="134"/>
        <source>办理结果</source>
        <translation>Outcome</translation>
    </message>
    <message>
        <location filename="../needs_view.py" line="134"/>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <location filename="../needs_view.py" line="136"/>
        <source>保存办理情况</source>
        <translation>Save disposition</translation>
    </message>
    <message>
        <location filename="../needs_view.py" line="137"/>
        <source>这一户没有登记需要帮助解决的问题。</source>
        <translation>No needs are recorded for this household.</translation>
    </message>
</context>
<context>
    <name>NewHouseholdDialog</name>
    <message>
        <location filename="../new_household.py" line="60"/>
        <source>18 位公民身份号码，末位可为 X。</source>
        <translation>18-digit citizen ID number; the last character may be X.</translation>
    </message>
    <message>
        <location filename="../new_household.py" line="71"/>
        <source>男</source>
        <translation>male</translation>
    </message>
    <message>
        <location filename="../new_household.py" line="71"/>
        <source>女</source>
        <translation>female</translation>
    </message>
    <message>
        <location filename="../new_household.py" line="72"/>
        <source>号码有效：%1 出生，%2</source>
        <translation>Valid number: born %1, %2</translation>
    </message>
    <message>
        <location filename="../new_household.py" line="114"/>
        <source>新增户（主动发现）</source>
        <translation>New household (found in the field)</translation>
    </message>
    <message>
        <location filename="../new_household.py" line="115"/>
        <source>走访中发现的、不在名单上的困难家庭：先填写户主姓名和身份证号。本机会先查找是否已有这一户，有则直接打开，不会重复建户。建户后即可填写首次走访。</source>
        <translation>A household in difficulty found during visits and not on the list: enter the head&apos;s name and ID number first. This laptop looks for the household first and opens it if it exists, so no duplicate is made. Then fill in the first visit.</translation>
    </message>
    <message>
        <location filename="../new_household.py" line="117"/>
        <source>村（社区）</source>
        <translation>Village (community)</translation>
    </message>
    <message>
        <location filename="../new_household.py" line="117"/>
        <source>户主姓名</source>
        <translation>Head of household</translation>
    </message>
    <message>
        <location filename="../new_household.py" line="117"/>
        <source>户主身份证号</source>
        <translation>Head&apos;s ID number</translation>
    </message>
    <message>
        <location filename="../new_household.py" line="118"/>
        <source>住址（可稍后填写）</source>
        <translation>Address (may be filled in later)</translation>
    </message>
    <message>
        <location filename="../new_household.py" line="118"/>
        <source>联系电话（可选）</source>
        <translation>Phone (optional)</translation>
    </message>
    <message>
        <location filename="../new_household.py" line="120"/>
        <source>建户并开始走访</source>
        <translation>Create and start the visit</translation>
    </message>
    <message>
        <location filename="../new_household.py" line="121"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../new_household.py" line="123"/>
        <source>本机还没有负责的村（社区）：请先同步，或联系乡镇经办人员。</source>
        <translation>This laptop has no villages assigned yet: sync first, or contact the township office.</translation>
    </message>
</context>
<context>
    <name>NewUser</name>
    <message>
        <location filename="../firstrun.py" line="137"/>
        <source>请输入姓名。</source>
        <translation>Please enter a name.</translation>
    </message>
    <message>
        <location filename="../firstrun.py" line="139"/>
        <source>密码至少需要 8 位。</source>
        <translation>The passphrase needs at least 8 characters.</translation>
    </message>
    <message>
        <location filename="../firstrun.py" line="141"/>
        <source>两次输入的密码不一致。</source>
        <translation>The two passphrases differ.</translation>
    </message>
</context>
<context>
    <name>PrintPreviewDialog</name>
    <message>
        <location filename="../print_preview.py" line="140"/>
        <source>第 %1 页，共 %2 页</source>
        <translation>Page %1 of %2</translation>
    </message>
    <message>
        <location filename="../print_preview.py" line="162"/>
        <source>打印</source>
        <translation>Print</translation>
    </message>
    <message>
        <location filename="../print_preview.py" line="162"/>
        <source>无法连接打印机，请检查打印机后重试。</source>
        <translation>Cannot reach the printer. Check it and try again.</translation>
    </message>
    <message>
        <location filename="../print_preview.py" line="186"/>
        <source>保存为 PDF</source>
        <translation>Save as PDF</translation>
    </message>
    <message>
        <location filename="../print_preview.py" line="200"/>
        <source>保存失败</source>
        <translation>Not saved</translation>
    </message>
    <message>
        <location filename="../print_preview.py" line="201"/>
        <source>无法保存文件，请换一个文件夹或检查 U 盘是否已插好。</source>
        <translation>The file could not be saved. Choose another folder or check that the USB stick is plugged in.</translation>
    </message>
    <message>
        <location filename="../print_preview.py" line="204"/>
        <source>已保存 %1 页到：%2</source>
        <translation>Saved %1 page(s) to: %2</translation>
    </message>
    <message>
        <location filename="../print_preview.py" line="235"/>
        <source>文号已被使用</source>
        <translation>Document number already used</translation>
    </message>
    <message>
        <location filename="../print_preview.py" line="248"/>
        <source>打印预览</source>
        <translation>Print preview</translation>
    </message>
    <message>
        <location filename="../print_preview.py" line="249"/>
        <source>上一页</source>
        <translation>Previous page</translation>
    </message>
    <message>
        <location filename="../print_preview.py" line="250"/>
        <source>下一页</source>
        <translation>Next page</translation>
    </message>
    <message>
        <location filename="../print_preview.py" line="251"/>
        <source>打印…</source>
        <translation>Print…</translation>
    </message>
    <message>
        <location filename="../print_preview.py" line="252"/>
        <source>另存为 PDF…</source>
        <translation>Save as PDF…</translation>
    </message>
    <message>
        <location filename="../print_preview.py" line="253"/>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
</context>
<context>
    <name>RepeatEditor</name>
    <message>
        <location filename="../repeat_editor.py" line="267"/>
        <source>第 %1 位成员</source>
        <translation>Member %1</translation>
    </message>
    <message>
        <location filename="../repeat_editor.py" line="346"/>
        <source>第 %1 行：%2</source>
        <translation>Row %1: %2</translation>
    </message>
    <message>
        <location filename="../repeat_editor.py" line="347"/>
        <source>第 %1 行</source>
        <translation>Row %1</translation>
    </message>
    <message>
        <location filename="../repeat_editor.py" line="352"/>
        <source>办理记录：</source>
        <translation>History: </translation>
    </message>
    <message>
        <location filename="../repeat_editor.py" line="374"/>
        <source>添加</source>
        <translation>Add</translation>
    </message>
    <message>
        <location filename="../repeat_editor.py" line="375"/>
        <source>添加一行（Ctrl+Enter）</source>
        <translation>Add a row (Ctrl+Enter)</translation>
    </message>
    <message>
        <location filename="../repeat_editor.py" line="376"/>
        <source>↑↓ 选择行，Enter 编辑该行，Tab 进入下一项，Ctrl+Enter 添加一行</source>
        <translation>↑↓ choose a row, Enter edits it, Tab goes to the next question, Ctrl+Enter adds a row</translation>
    </message>
    <message>
        <location filename="../repeat_editor.py" line="377"/>
        <source>删除</source>
        <translation>Remove</translation>
    </message>
    <message>
        <location filename="../repeat_editor.py" line="378"/>
        <source>上移</source>
        <translation>Move up</translation>
    </message>
    <message>
        <location filename="../repeat_editor.py" line="379"/>
        <source>下移</source>
        <translation>Move down</translation>
    </message>
</context>
<context>
    <name>ReturnDialog</name>
    <message>
        <location filename="../review_view.py" line="175"/>
        <source>退回走访</source>
        <translation>Return visit</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="177"/>
        <source>写明需要修改的内容（必填）</source>
        <translation>Say what needs to be changed (required)</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="179"/>
        <source>（不指定）</source>
        <translation>(none)</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="189"/>
        <source>退回意见：</source>
        <translation>Reason for return:</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="190"/>
        <source>需要修改的项目：</source>
        <translation>Item to change:</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="191"/>
        <source>对该项目的意见：</source>
        <translation>Comment on that item:</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="207"/>
        <source>退回走访记录时必须填写退回意见，写明需要修改的内容。</source>
        <translation>A returned visit needs a comment saying what must be changed.</translation>
    </message>
</context>
<context>
    <name>ReturnedPanel</name>
    <message>
        <location filename="../review_widgets.py" line="49"/>
        <source>%1 — 退回意见：%2（%3%4）</source>
        <translation>%1 — returned: %2 (%3%4)</translation>
    </message>
    <message>
        <location filename="../review_widgets.py" line="55"/>
        <source>乡镇退回、需要修改后重新提交的走访（%1 户）</source>
        <translation>Visits returned by the township, to be changed and resubmitted (%1 households)</translation>
    </message>
</context>
<context>
    <name>ReviewComments</name>
    <message>
        <location filename="../review_widgets.py" line="74"/>
        <source>退回意见：%1</source>
        <translation>Reason for return: %1</translation>
    </message>
    <message>
        <location filename="../review_widgets.py" line="83"/>
        <source>乡镇经办机构已退回这次走访（%1%2）：%3</source>
        <translation>The township office returned this visit (%1%2): %3</translation>
    </message>
    <message>
        <location filename="../review_widgets.py" line="86"/>
        <source>
需要修改：%1</source>
        <translation>
To change: %1</translation>
    </message>
    <message>
        <location filename="../review_widgets.py" line="88"/>
        <source>
请点“修改这次走访（保留原记录）”修改，完成走访后重新提交审核。</source>
        <translation>
Press &apos;Amend this visit (keep the original)&apos; to change it, then finish the visit to resubmit it for review.</translation>
    </message>
</context>
<context>
    <name>ReviewDialog</name>
    <message>
        <location filename="../review_view.py" line="36"/>
        <source>审核走访</source>
        <translation>Review visits</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="39"/>
        <source>全部村（社区）</source>
        <translation>All villages</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="62"/>
        <source>退回所选走访…</source>
        <translation>Return selected visit…</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="67"/>
        <source>村（社区）：</source>
        <translation>Village:</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="87"/>
        <source>正在读取待审核的走访…</source>
        <translation>Reading visits awaiting review…</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="99"/>
        <source>（修改后重新提交）</source>
        <translation>(resubmitted after changes)</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="102"/>
        <source>无</source>
        <translation>None</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="111"/>
        <source>待审核 %1 条。审核通过后，县民政局设定需审核的告知书才能打印；退回的走访会在走访人员同步后显示在其列表最上方。</source>
        <translation>%1 awaiting review. Letters the county requires to be reviewed print only after approval; returned visits appear at the top of the visitor&apos;s list after their next sync.</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="116"/>
        <source>全部审核通过（%1 条）</source>
        <translation>Approve all (%1)</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="131"/>
        <source>正在提交审核结果…</source>
        <translation>Sending the review results…</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="136"/>
        <source>已审核通过 %1 条。</source>
        <translation>%1 approved.</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="137"/>
        <source>%1 条已被他人审核，未重复处理。</source>
        <translation>%1 were already reviewed by someone else and were left as they were.</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="145"/>
        <source>请先在列表中选择要退回的走访。</source>
        <translation>Select the visit to return in the list first.</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="157"/>
        <source>正在退回…</source>
        <translation>Returning…</translation>
    </message>
    <message>
        <location filename="../review_view.py" line="160"/>
        <source>已退回，走访人员同步后会看到退回意见。</source>
        <translation>Returned. The visitor sees the comment after their next sync.</translation>
    </message>
</context>
<context>
    <name>ServerForm</name>
    <message>
        <location filename="../enroll.py" line="106"/>
        <source>请填写登记单上的登记码。</source>
        <translation>Enter the enrollment code from the enrollment sheet.</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="112"/>
        <source>请先核对服务器指纹，与登记单一致后勾选确认。</source>
        <translation>Compare the server fingerprint with the enrollment sheet first, and tick the box when they match.</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="138"/>
        <source>已取消核对。可以修改后再点“下一步”。</source>
        <translation>Check cancelled. Change the entries if needed and press Next again.</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="157"/>
        <source>现在连不上服务器：登记码已记下，将在第一次同步时登记这台电脑。再点一次“下一步”继续。</source>
        <translation>The server cannot be reached now: the code is kept and this laptop will be enrolled at the first sync. Press Next again to continue.</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="159"/>
        <source>请核对后重新输入。</source>
        <translation>Please check it and type it again.</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="174"/>
        <source>乡镇经办电脑</source>
        <translation>township office laptop</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="174"/>
        <source>走访电脑</source>
        <translation>visitor laptop</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="175"/>
        <source>县民政局可以恢复这台电脑的数据。</source>
        <translation>The county civil affairs bureau can recover this laptop&apos;s data.</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="176"/>
        <source>注意：县民政局尚未设置恢复密钥，电脑丢失或忘记密码时数据无法恢复。</source>
        <translation>Note: the county civil affairs bureau has not set a recovery key yet; if the laptop is lost or the passphrase forgotten, the data cannot be recovered.</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="178"/>
        <source>登记码有效，已登记为%1（乡镇 %2，%3 个村）。
服务器指纹：%4
%5</source>
        <translation>The code is valid; enrolled as a %1 (township %2, %3 villages).
Server fingerprint: %4
%5</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="190"/>
        <source>服务器地址</source>
        <translation>Server address</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="191"/>
        <source>登记码</source>
        <translation>Enrollment code</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="192"/>
        <source>点“下一步”时会立即向服务器核对登记码；没有网络也可以先完成设置，首次同步时再登记。</source>
        <translation>Pressing Next checks the code with the server at once; without a network you can finish set-up now and enroll at the first sync.</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="193"/>
        <source>我明白 http:// 不加密，县民政局要求使用这个地址</source>
        <translation>I understand http:// is not encrypted; the county civil affairs bureau asked for this address</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="194"/>
        <source>服务器指纹与登记单上的一致</source>
        <translation>The server fingerprint matches the enrollment sheet</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="195"/>
        <source>正在向服务器核对登记码…</source>
        <translation>Checking the code with the server…</translation>
    </message>
    <message>
        <location filename="../enroll.py" line="196"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>SetAsideDialog</name>
    <message>
        <location filename="../set_aside_view.py" line="56"/>
        <source>被拒收的记录</source>
        <translation>Refused records</translation>
    </message>
    <message>
        <location filename="../set_aside_view.py" line="60"/>
        <location filename="../set_aside_view.py" line="68"/>
        <source>住户</source>
        <translation>Household</translation>
    </message>
    <message>
        <location filename="../set_aside_view.py" line="60"/>
        <location filename="../set_aside_view.py" line="68"/>
        <source>记录</source>
        <translation>Record</translation>
    </message>
    <message>
        <location filename="../set_aside_view.py" line="60"/>
        <location filename="../set_aside_view.py" line="68"/>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <location filename="../set_aside_view.py" line="60"/>
        <location filename="../set_aside_view.py" line="68"/>
        <source>拒收时间</source>
        <translation>Refused at</translation>
    </message>
    <message>
        <location filename="../set_aside_view.py" line="62"/>
        <source>打开记录</source>
        <translation>Open record</translation>
    </message>
    <message>
        <location filename="../set_aside_view.py" line="64"/>
        <source>重新发送</source>
        <translation>Send again</translation>
    </message>
    <message>
        <location filename="../set_aside_view.py" line="66"/>
        <source>本乡镇走访电脑报告的被拒收记录（上次同步时）</source>
        <translation>Records refused from this township&apos;s visitor laptops (as of the last sync)</translation>
    </message>
    <message>
        <location filename="../set_aside_view.py" line="68"/>
        <source>走访电脑</source>
        <translation>Visitor laptop</translation>
    </message>
    <message>
        <location filename="../set_aside_view.py" line="84"/>
        <source>县服务器拒收了以下 %1 条记录，已单独保存、没有丢失，其余记录照常同步。请打开记录按原因改正并保存，然后点“重新发送”。</source>
        <translation>The county server refused the %1 records below. They are kept apart and nothing is lost; the other records sync as usual. Open each record, correct it as the reason says, save it, then press Send again.</translation>
    </message>
    <message>
        <location filename="../set_aside_view.py" line="87"/>
        <source>本电脑没有被县服务器拒收的记录。</source>
        <translation>The county server has refused no records from this laptop.</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../settings_dialog.py" line="51"/>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="52"/>
        <source>界面语言</source>
        <translation>Language</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="53"/>
        <source>无操作自动锁定（分钟，0 为不锁定）</source>
        <translation>Lock after idle minutes (0 = never)</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="54"/>
        <source>数据文件夹</source>
        <translation>Data folder</translation>
    </message>
</context>
<context>
    <name>SyncController</name>
    <message>
        <location filename="../sync_controller.py" line="86"/>
        <location filename="../sync_controller.py" line="109"/>
        <source>正在同步…</source>
        <translation>Syncing…</translation>
    </message>
    <message>
        <location filename="../sync_controller.py" line="117"/>
        <source>同步完成：上传 %1 条，收到其他电脑的更新 %2 条。</source>
        <translation>Sync done: %1 sent, %2 updates received from other computers.</translation>
    </message>
    <message>
        <location filename="../sync_controller.py" line="120"/>
        <source>有 %1 处冲突待处理。</source>
        <translation> %1 conflict(s) to handle.</translation>
    </message>
    <message>
        <location filename="../sync_controller.py" line="124"/>
        <source>乡镇退回 %1 条走访，请修改后重新提交。</source>
        <translation>The township returned %1 visits: change them and resubmit.</translation>
    </message>
    <message>
        <location filename="../sync_controller.py" line="142"/>
        <source>同步没有完成</source>
        <translation>Sync did not finish</translation>
    </message>
    <message>
        <location filename="../sync_controller.py" line="166"/>
        <source>为了保护住户信息，本机所有用户的解锁密码已作废，程序已锁定。数据仍加密保存在本机，乡镇经办机构可以用县级密钥恢复这些数据：请不要删除数据文件夹，把电脑交给乡镇经办机构。</source>
        <translation>To protect the households&apos; data, every user&apos;s password on this laptop no longer works and the app is locked. The data stays encrypted on this laptop and the township office can recover it with the county key: do not delete the data folder; bring the laptop to the township office.</translation>
    </message>
    <message>
        <location filename="../sync_controller.py" line="175"/>
        <source>此电脑已被注销</source>
        <translation>This laptop was revoked</translation>
    </message>
</context>
<context>
    <name>SyncProgressDialog</name>
    <message>
        <location filename="../sync_controller.py" line="50"/>
        <source>同步</source>
        <translation>Sync</translation>
    </message>
    <message>
        <location filename="../sync_controller.py" line="51"/>
        <source>正在与县服务器同步…</source>
        <translation>Syncing with the county server…</translation>
    </message>
    <message>
        <location filename="../sync_controller.py" line="52"/>
        <source>上传：%1 / %2 条</source>
        <translation>Sent: %1 / %2</translation>
    </message>
    <message>
        <location filename="../sync_controller.py" line="54"/>
        <source>下载：%1 条</source>
        <translation>Received: %1</translation>
    </message>
    <message>
        <location filename="../sync_controller.py" line="55"/>
        <source>停止</source>
        <translation>Stop</translation>
    </message>
</context>
<context>
    <name>TaskRunner</name>
    <message>
        <location filename="../tasks.py" line="142"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../tasks.py" line="143"/>
        <source>请稍候</source>
        <translation>Please wait</translation>
    </message>
</context>
<context>
    <name>TextListField</name>
    <message>
        <location filename="../form_fields.py" line="451"/>
        <source>多人用顿号分开，例如：张三、李四</source>
        <translation>Separate names with commas</translation>
    </message>
</context>
<context>
    <name>UnlockPage</name>
    <message>
        <location filename="../unlock.py" line="103"/>
        <source>正在解锁…</source>
        <translation>Unlocking…</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="103"/>
        <source>解锁</source>
        <translation>Unlock</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="109"/>
        <source>请输入密码。</source>
        <translation>Please enter your passphrase.</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="128"/>
        <source>四个摸清 入户走访</source>
        <translation>Four Clarifications home visits</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="129"/>
        <source>本机数据已加密。请选择您的姓名并输入密码。</source>
        <translation>The data on this laptop is encrypted. Choose your name and enter your passphrase.</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="130"/>
        <source>走访人员</source>
        <translation>Visitor</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="131"/>
        <source>密码</source>
        <translation>Passphrase</translation>
    </message>
    <message>
        <location filename="../unlock.py" line="132"/>
        <source>忘记密码？请联系乡镇经办人员，由县民政部门恢复数据。</source>
        <translation>Forgot your passphrase? Ask the township office; the county can recover the data.</translation>
    </message>
</context>
<context>
    <name>UnreachableDialog</name>
    <message>
        <location filename="../unreachable_dialog.py" line="20"/>
        <source>无法入户</source>
        <translation>Could not visit</translation>
    </message>
    <message>
        <location filename="../unreachable_dialog.py" line="25"/>
        <source>情况说明（必填），例如：2025年随子女迁往郑州，邻居证实</source>
        <translation>Details (required), e.g.: moved to Zhengzhou with their children in 2025, confirmed by neighbours</translation>
    </message>
    <message>
        <location filename="../unreachable_dialog.py" line="28"/>
        <source>拒绝入户时必填</source>
        <translation>Required for a refusal</translation>
    </message>
    <message>
        <location filename="../unreachable_dialog.py" line="30"/>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <location filename="../unreachable_dialog.py" line="31"/>
        <source>情况说明</source>
        <translation>Details</translation>
    </message>
    <message>
        <location filename="../unreachable_dialog.py" line="32"/>
        <source>走访人员</source>
        <translation>Visitor</translation>
    </message>
    <message>
        <location filename="../unreachable_dialog.py" line="33"/>
        <source>第二名走访人员</source>
        <translation>Second visitor</translation>
    </message>
    <message>
        <location filename="../unreachable_dialog.py" line="34"/>
        <source>记录后，该户在覆盖情况中计为“无法入户”，不再计为未走访。</source>
        <translation>Once recorded, the household counts as &apos;could not visit&apos; in coverage, no longer as not visited.</translation>
    </message>
    <message>
        <location filename="../unreachable_dialog.py" line="36"/>
        <source>记录</source>
        <translation>Record</translation>
    </message>
    <message>
        <location filename="../unreachable_dialog.py" line="37"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>VisitEditor</name>
    <message>
        <location filename="../visit_editor.py" line="276"/>
        <source>✔ 没有发现问题，可以完成走访。</source>
        <translation>✔ No problems found; the visit can be finished.</translation>
    </message>
    <message>
        <location filename="../visit_editor.py" line="279"/>
        <source>需改正的问题：%1 个；提醒：%2 个（见各项下方的红色/橙色提示）。</source>
        <translation>Problems to fix: %1; warnings: %2 (see the red/orange notes under the fields).</translation>
    </message>
    <message>
        <location filename="../visit_editor.py" line="293"/>
        <source>暂时无法给出政策提示。</source>
        <translation>Policy hints are not available right now.</translation>
    </message>
    <message>
        <location filename="../visit_editor.py" line="332"/>
        <source>⚠ 自动保存失败，请手动保存（Ctrl+S）</source>
        <translation>⚠ Autosave failed; please save by hand (Ctrl+S)</translation>
    </message>
    <message>
        <location filename="../visit_editor.py" line="415"/>
        <source>已保存 %1</source>
        <translation>Saved %1</translation>
    </message>
    <message>
        <location filename="../visit_editor.py" line="369"/>
        <source>还不能完成走访</source>
        <translation>The visit cannot be finished yet</translation>
    </message>
    <message>
        <location filename="../visit_editor.py" line="354"/>
        <source>正在保存…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <location filename="../visit_editor.py" line="370"/>
        <source>需要改正的问题（%1 个）：</source>
        <translation>Problems that still need fixing (%1):</translation>
    </message>
    <message>
        <location filename="../visit_editor.py" line="376"/>
        <location filename="../visit_editor.py" line="517"/>
        <source>完成走访</source>
        <translation>Finish visit</translation>
    </message>
    <message>
        <location filename="../visit_editor.py" line="376"/>
        <source>确认完成这次走访？完成后如需修改，将另存为一条修改记录，原记录保留。</source>
        <translation>Finish this visit? Later changes are saved as an amendment; the original is kept.</translation>
    </message>
    <message>
        <location filename="../visit_editor.py" line="383"/>
        <source>正在完成走访…</source>
        <translation>Finishing the visit…</translation>
    </message>
    <message>
        <location filename="../visit_editor.py" line="488"/>
        <source>这次走访已完成，只能查看。</source>
        <translation>This visit is finished and can only be viewed.</translation>
    </message>
    <message>
        <location filename="../visit_editor.py" line="490"/>
        <source>有未保存的修改（每 3 秒自动保存草稿）</source>
        <translation>Unsaved changes (the draft is autosaved every 3 seconds)</translation>
    </message>
    <message>
        <location filename="../visit_editor.py" line="492"/>
        <source>草稿已自动保存 %1</source>
        <translation>Draft autosaved at %1</translation>
    </message>
    <message>
        <location filename="../visit_editor.py" line="514"/>
        <source>上一部分</source>
        <translation>Previous section</translation>
    </message>
    <message>
        <location filename="../visit_editor.py" line="515"/>
        <source>下一部分 (Ctrl+PgDn)</source>
        <translation>Next section (Ctrl+PgDn)</translation>
    </message>
    <message>
        <location filename="../visit_editor.py" line="516"/>
        <source>保存 (Ctrl+S)</source>
        <translation>Save (Ctrl+S)</translation>
    </message>
</context>
<context>
    <name>_ModePage</name>
    <message>
        <location filename="../firstrun.py" line="58"/>
        <source>欢迎使用四个摸清入户走访</source>
        <translation>Welcome to Four Clarifications home visits</translation>
    </message>
    <message>
        <location filename="../firstrun.py" line="59"/>
        <source>这台电脑还没有数据。请选择如何开始：</source>
        <translation>This laptop has no data yet. How do you want to start?</translation>
    </message>
    <message>
        <location filename="../firstrun.py" line="60"/>
        <source>加入县级服务器</source>
        <translation>Join a county server</translation>
    </message>
    <message>
        <location filename="../firstrun.py" line="61"/>
        <source>填写县民政部门提供的服务器地址和一次性登记码。</source>
        <translation>Enter the server address and one-time enrollment code from the county civil-affairs office.</translation>
    </message>
    <message>
        <location filename="../firstrun.py" line="63"/>
        <source>生成虚构的演示户，用于培训和试用；同步只与本机内置的演示服务器进行，不会发往真实服务器。</source>
        <translation>Creates made-up demo households for training; sync goes only to the demo server built into this app, never to a real server.</translation>
    </message>
    <message>
        <location filename="../firstrun.py" line="62"/>
        <source>使用演示数据试用</source>
        <translation>Try with demo data</translation>
    </message>
</context>
<context>
    <name>_ServerPage</name>
    <message>
        <location filename="../firstrun.py" line="92"/>
        <source>县级服务器</source>
        <translation>County server</translation>
    </message>
</context>
<context>
    <name>_UserPage</name>
    <message>
        <location filename="../firstrun.py" line="126"/>
        <source>创建第一个用户</source>
        <translation>Create the first user</translation>
    </message>
    <message>
        <location filename="../firstrun.py" line="127"/>
        <source>密码用来保护本机所有数据，请牢记，至少 8 位。</source>
        <translation>The passphrase protects all data on this laptop. Remember it; at least 8 characters.</translation>
    </message>
    <message>
        <location filename="../firstrun.py" line="128"/>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../firstrun.py" line="128"/>
        <source>密码</source>
        <translation>Passphrase</translation>
    </message>
    <message>
        <location filename="../firstrun.py" line="128"/>
        <source>再次输入密码</source>
        <translation>Repeat passphrase</translation>
    </message>
</context>
</TS>
