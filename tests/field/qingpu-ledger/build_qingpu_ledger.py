"""Build 台账导出-2026-11.xlsx, an imitation of 青浦区河长制信息平台's problem-ledger export.

The workbook is hand-made field data for testing a river-chief compliance checker. It is written
independently of the checker: rows, dates and statuses were chosen by hand and the expected results
(expected.yaml beside this file) were worked out by hand.

Run: ``python build_qingpu_ledger.py`` (needs openpyxl). The file is written next to this script.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import NamedTuple

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

OUT = Path(__file__).with_name("台账导出-2026-11.xlsx")

TITLE = "青浦区河湖问题整改台账（截至2026年11月26日）"
SUBTITLE = "填报单位：青浦区河长制办公室（盖章）　　　　　　　　　　　　导出时间：2026-11-26 09:14:37"
# fmt: off
HEADERS = [
    "序号", "问题编号", "所在河湖", "所属街镇", "问题类型", "问题描述", "问题来源", "发现时间",
    "问题等级", "责任单位", "整改要求", "整改期限", "整改状态", "销号时间", "备注",
]
WIDTHS = [6, 14, 12, 10, 10, 34, 10, 12, 9, 18, 30, 16, 10, 14, 22]
# fmt: on


class Row(NamedTuple):
    """One problem as the platform lists it; ``closed_on`` is a date (Excel date cell) or text."""

    pid: str
    river: str
    town: str
    kind: str
    desc: str
    source: str
    found: str
    level: str
    unit: str
    demand: str
    deadline: str
    status: str
    closed_on: dt.date | str | None
    note: str


# fmt: off
ROWS: list[Row] = [
    Row("QP-2026-001", "大莲湖", "朱家角镇", "水葫芦", "湖区东侧近岸水葫芦成片聚集，面积约200平方米",
        "河长巡河", "2026/08/12", "一般", "朱家角镇人民政府", "组织保洁队伍打捞，落实常态化拦截",
        "2026年08月31日", "已销号", dt.date(2026, 8, 28), ""),
    Row("QP-2026-002", "淀浦河", "夏阳街道", "河道垃圾", "青赵公路桥下游水面漂浮生活垃圾及泡沫板",
        "群众举报", "2026/09/03", "一般", "区绿化市容局", "清捞漂浮垃圾，加强沿线保洁巡查",
        "2026年09月20日", "已办结", "2026年9月18日", "12345工单转办"),
    Row("QP-2026-003", "油墩港", "香花桥街道", "排污口", "右岸发现一处雨污混接排口，晴天有灰黑色污水排出",
        "专项检查", "2026/09/15", "重大", "区生态环境局", "溯源排查，封堵混接，落实执法处置",
        "2026年11月20日", "整改中", None, "已完成溯源，待封堵"),
    Row("QP-2026-004", "西大盈港", "赵巷镇", "违章搭建", "河道蓝线内搭建彩钢板简易棚约60平方米",
        "暗访", "2026/09/22", "一般", "赵巷镇人民政府", "依法拆除违建，恢复岸线原貌",
        "2026年10月31日", "已销号", dt.date(2026, 11, 6), "逾期完成，已约谈"),
    Row("QP-2026-005", "太浦河", "金泽镇", "岸线破损", "北岸护岸局部坍塌约15米，存在安全隐患",
        "河长巡河", "2026/10/08", "一般", "区水务局", "设置警示标志，实施护岸修复",
        "2026年11月25日", "整改中", None, ""),
    Row("QP-2026-006", "淀山湖", "金泽镇", "排污口", "环湖区域发现疑似养殖尾水直排口一处",
        "群众举报", "2026/10/10", "重大", "区生态环境局", "立即停止直排，尾水经处理达标后排放",
        "2026年11月26日", "整改中", None, "区级河长督办"),
    Row("QP-2026-007", "东庄浜", "练塘镇", "河道垃圾", "村级河道两岸堆放建筑垃圾及杂物",
        "河长巡河", "2026/10/12", "一般", "练塘镇河长办", "清运岸坡垃圾，落实村级保洁责任",
        "2026年10月30日", "待整改", None, "村级河道"),
    Row("QP-2026-008", "蒋家浜", "练塘镇", "违章搭建", "沿河农户私自搭建临水码头及棚架",
        "暗访", "2026/10/15", "一般", "练塘镇河长办", "督促拆除临水构筑物",
        "2026年11月15日", "整改中", None, "村级河道"),
    Row("QP-2026-009", "陈家浜", "白鹤镇", "水葫芦", "河道中段水葫芦覆盖约三分之一水面",
        "河长巡河", "2026/10/20", "一般", "白鹤镇人民政府", "集中打捞并设置拦截索",
        "2026年11月5日", "已办结", "2026-11-04", ""),
    Row("QP-2026-010", "淀浦河", "盈浦街道", "岸线破损", "城区段景观护栏缺失、驳岸开裂",
        "专项检查", "2026/10/22", "一般", "区水务局", "修复驳岸，补齐护栏",
        "2026年12月31日", "整改中", None, "已列入年度维修计划"),
    Row("QP-2026-011", "新谊河", "华新镇", "排污口", "工业园区段发现一处未登记排口，水体发黑发臭",
        "群众举报", "2026/10/26", "重大", "华新镇人民政府", "查明排污单位，依法关停非法排口",
        "2026年11月10日", "整改中", None, "联合区生态环境局执法"),
    Row("QP-2026-012", "拦路港", "金泽镇", "河道垃圾", "航道沿线船舶生活垃圾随意抛弃",
        "河长巡河", "2026/11/02", "一般", "金泽镇人民政府", "落实船舶垃圾收集，加强巡查",
        "2026年11月30日", "整改中", None, ""),
    Row("QP-2026-013", "北横港", "重固镇", "违章搭建", "河道管理范围内新建简易仓库一处",
        "专项检查", "2026/11/05", "一般", "重固镇人民政府", "核实权属，依法处置",
        "", "整改中", None, "整改期限待区河长办核定"),
    Row("QP-2026-014", "大莲湖", "朱家角镇", "水葫芦", "湖区西北角水葫芦再次聚集",
        "暗访", "2026/11/09", "一般", "区水务局", "开展集中打捞，加密巡查频次",
        "2026年11月20日", "已销号", dt.date(2026, 11, 19), ""),
    Row("QP-2026-015", "大莲湖", "朱家角镇", "排污口", "湖区南岸农家乐疑似生活污水直排",
        "群众举报", "2026/11/12", "一般", "区生态环境局", "核查排水去向，督促纳管",
        "2026年12月15日", "待整改", None, ""),
    Row("QP-2026-016", "南庄浜", "徐泾镇", "河道垃圾", "村级河道水面漂浮塑料袋、农药瓶",
        "群众举报", "2026/11/18", "一般", "徐泾镇人民政府", "立即清捞，排查垃圾来源",
        "2026年11月24日", "待整改", None, "村级河道"),
]
# fmt: on

# Cells merged over consecutive data rows, as a user would tidy the sheet: (column name, first id, last id).
MERGES: list[tuple[str, str, str]] = [
    ("责任单位", "QP-2026-007", "QP-2026-008"),
    ("所在河湖", "QP-2026-014", "QP-2026-015"),
]

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
WIDE_COLUMNS = {"问题描述", "整改要求", "备注"}

TITLE_ROW, SUBTITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3, 4


def col_index(name: str) -> int:
    """1-based column index of a header name."""
    return HEADERS.index(name) + 1


def write_title(ws: Worksheet) -> None:
    """Merged title row and merged 填报单位/导出时间 row."""
    last = len(HEADERS)
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=last)
    ws.cell(TITLE_ROW, 1, TITLE).font = Font(name="宋体", size=16, bold=True)
    ws.cell(TITLE_ROW, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[TITLE_ROW].height = 32
    ws.merge_cells(start_row=SUBTITLE_ROW, start_column=1, end_row=SUBTITLE_ROW, end_column=last)
    ws.cell(SUBTITLE_ROW, 1, SUBTITLE).font = Font(name="宋体", size=10)
    ws.cell(SUBTITLE_ROW, 1).alignment = Alignment(horizontal="left", vertical="center")


def write_header(ws: Worksheet) -> None:
    """Header row with fill, borders and column widths."""
    for i, (name, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), start=1):
        cell = ws.cell(HEADER_ROW, i, name)
        cell.font = Font(name="宋体", size=11, bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = CENTER
        cell.border = BORDER
        ws.column_dimensions[cell.column_letter].width = width
    ws.row_dimensions[HEADER_ROW].height = 22


def write_rows(ws: Worksheet) -> int:
    """Write the data rows; returns the sheet row number of the last one."""
    r = FIRST_DATA_ROW
    for n, row in enumerate(ROWS, start=1):
        # fmt: off
        values: list[object] = [
            n, row.pid, row.river, row.town, row.kind, row.desc, row.source, row.found, row.level,
            row.unit, row.demand, row.deadline or None, row.status, row.closed_on, row.note or None,
        ]
        # fmt: on
        for i, value in enumerate(values, start=1):
            cell = ws.cell(r, i, value)
            cell.font = Font(name="宋体", size=10)
            cell.border = BORDER
            cell.alignment = LEFT if HEADERS[i - 1] in WIDE_COLUMNS else CENTER
            if isinstance(value, dt.date):
                cell.number_format = "yyyy/m/d"
        r += 1
    return r - 1


def apply_merges(ws: Worksheet) -> None:
    """Merge a column's cells over consecutive rows; only the top cell keeps its value."""
    ids = [row.pid for row in ROWS]
    for name, first, last in MERGES:
        top = FIRST_DATA_ROW + ids.index(first)
        bottom = FIRST_DATA_ROW + ids.index(last)
        col = col_index(name)
        for r in range(top + 1, bottom + 1):
            ws.cell(r, col).value = None
        ws.merge_cells(start_row=top, start_column=col, end_row=bottom, end_column=col)


def write_footer(ws: Worksheet, last_data_row: int) -> None:
    """Blank row, totals row (合计 / 共N条) and signature footer."""
    closed = sum(1 for row in ROWS if row.status in ("已销号", "已办结"))
    doing = sum(1 for row in ROWS if row.status == "整改中")
    waiting = sum(1 for row in ROWS if row.status == "待整改")
    totals = last_data_row + 2
    ws.cell(totals, 1, "合计").font = Font(name="宋体", size=10, bold=True)
    ws.cell(totals, 1).alignment = CENTER
    ws.merge_cells(start_row=totals, start_column=2, end_row=totals, end_column=len(HEADERS))
    text = f"共{len(ROWS)}条，其中已销号（办结）{closed}条，整改中{doing}条，待整改{waiting}条"
    ws.cell(totals, 2, text).font = Font(name="宋体", size=10, bold=True)
    ws.cell(totals, 2).alignment = LEFT
    for i in range(1, len(HEADERS) + 1):
        ws.cell(totals, i).border = BORDER
    footer = totals + 1
    ws.merge_cells(start_row=footer, start_column=1, end_row=footer, end_column=len(HEADERS))
    sign = "制表人：沈佳怡　　　　　　审核人：陆建国　　　　　　制表日期：2026年11月26日"
    ws.cell(footer, 1, sign).font = Font(name="宋体", size=10)
    ws.row_dimensions[footer].height = 24


def build(out: Path = OUT) -> Path:
    """Build the whole workbook and save it to ``out``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "问题整改台账"
    write_title(ws)
    write_header(ws)
    last = write_rows(ws)
    apply_merges(ws)
    write_footer(ws, last)
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    wb.properties.creator = "青浦区河长制信息平台"
    wb.save(out)
    return out


if __name__ == "__main__":
    print(build())
