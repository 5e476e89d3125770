"""Build 嘉定区河长办工作台账.xlsx, the field-test workbook of a district river chief office.

The workbook imitates what a clerk of the 嘉定区河长办 keeps by hand: one Excel file with several
sheets, a notes line or a title above some headers, a hidden column, a hidden outdated sheet, and dates
written three ways (real date cells, ISO text, and bare Excel serial numbers left by a copy-paste).
The data is written independently of the checker; see README.md and expected.yaml beside this file.

Run with: /work/main/.venv/bin/python build_jiading_workbook.py
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).resolve().parent
OUT = HERE / "嘉定区河长办工作台账.xlsx"
EXCEL_EPOCH = dt.date(1899, 12, 30)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass(frozen=True)
class Text:
    """A date the clerk typed as text, e.g. ``2026-09-03``."""

    iso: str


@dataclass(frozen=True)
class Serial:
    """A date pasted as a bare Excel serial number into a General-format cell."""

    iso: str

    @property
    def number(self) -> int:
        return (dt.date.fromisoformat(self.iso) - EXCEL_EPOCH).days


Cell: TypeAlias = str | int | dt.date | Text | Serial | None


def d(iso: str) -> dt.date:
    """A real Excel date cell."""
    return dt.date.fromisoformat(iso)


def put(ws: Worksheet, row: int, col: int, value: Cell, date_format: str = "yyyy-mm-dd") -> None:
    """Write one cell, choosing the representation a clerk would have left behind."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, Text):
        cell.value = value.iso
        cell.number_format = "@"
    elif isinstance(value, Serial):
        cell.value = value.number
        cell.number_format = "General"
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = date_format
    else:
        cell.value = value


def write_table(
    ws: Worksheet,
    header_row: int,
    header: list[str],
    rows: list[list[Cell]],
    widths: list[int],
    date_format: str = "yyyy-mm-dd",
) -> None:
    """Write a header row and its data rows, styled the way the office's template is."""
    for col, name in enumerate(header, start=1):
        cell = ws.cell(row=header_row, column=col, value=name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for r, row in enumerate(rows, start=header_row + 1):
        assert len(row) == len(header), row
        for col, value in enumerate(row, start=1):
            put(ws, r, col, value, date_format)
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)


# ---------------------------------------------------------------------------------------------------
# 说明
NOTES: list[str] = [
    "嘉定区河长制办公室工作台账（2026年度）",
    "维护：区河长办综合科（王琳），每周五更新；问题台账以区河长办督办系统导出后人工核对为准。",
    "各表说明：河湖名录（第1行为填表说明，第2行为表头）；单位名录、河长名录、约谈记录第1行为表头；",
    "问题台账第1行为标题，第2行为表头，末尾空一行后为填表人/审核人签字行，不属于问题记录。",
    "整改情况：未整改、整改中、已完成待销号（镇街/单位报已完成，区河长办尚未复核销号，仍算未销号）、已销号。",
    "“旧台账”为2025年底迁移前的老表，已停用，仅供查阅，数据以“问题台账”为准。",
    "河长离任后在新河长任命前，该河湖按“河长空缺”管理，请各镇街及时报送新任河长名单。",
]

# ---------------------------------------------------------------------------------------------------
# 河湖名录: 18 waterbodies
WATERBODY_HEADER = ["编码", "名称", "等级", "所在街镇", "是否跨省"]
WATERBODIES: list[list[Cell]] = [
    ["JD-HH-001", "蕰藻浜", "市级", "南翔镇", "否"],
    ["JD-HH-002", "练祁河", "区级", "嘉定镇街道", "否"],
    ["JD-HH-003", "横沥河", "区级", "嘉定镇街道", "否"],
    ["JD-HH-004", "盐铁塘", "区级", "外冈镇", "是"],
    ["JD-HH-005", "浏河", "市级", "华亭镇", "是"],
    ["JD-HH-006", "吴淞江", "市级", "江桥镇", "是"],
    ["JD-HH-007", "顾浦", "区级", "安亭镇", "否"],
    ["JD-HH-008", "新槎浦", "区级", "江桥镇", "否"],
    ["JD-HH-009", "祁迁河", "区级", "马陆镇", "否"],
    ["JD-HH-010", "封浜", "镇级", "江桥镇", "否"],
    ["JD-HH-011", "娄塘河", "镇级", "嘉定工业区", "否"],
    ["JD-HH-012", "徐家港", "镇级", "徐行镇", "否"],
    ["JD-HH-013", "陆家浜", "村级", "南翔镇", "否"],
    ["JD-HH-014", "东泾沟", "村级", "安亭镇", "否"],
    ["JD-HH-015", "小石桥河", "村级", "马陆镇", "否"],
    ["JD-HH-016", "沈家宅沟", "村级", "外冈镇", "否"],
    ["JD-HH-017", "秋霞浦", "镇级", "嘉定镇街道", "否"],
    ["JD-HH-018", "远香湖", "区级", "马陆镇", "否"],
]

# ---------------------------------------------------------------------------------------------------
# 单位名录: 10 units
UNIT_HEADER = ["单位名称", "单位类型", "上级单位"]
UNITS: list[list[Cell]] = [
    ["嘉定区河长办", "区河长办", None],
    ["区水务局", "成员单位", "嘉定区河长办"],
    ["区生态环境局", "成员单位", "嘉定区河长办"],
    ["区绿化市容局", "成员单位", "嘉定区河长办"],
    ["区农业农村委", "成员单位", "嘉定区河长办"],
    ["南翔镇人民政府", "镇人民政府", "嘉定区河长办"],
    ["江桥镇人民政府", "镇人民政府", "嘉定区河长办"],
    ["嘉定镇街道", "街道办事处", "嘉定区河长办"],
    ["安亭镇河长办", "镇河长办", "嘉定区河长办"],
    ["马陆镇河长办", "镇河长办", "嘉定区河长办"],
]

# ---------------------------------------------------------------------------------------------------
# 河长名录: 14 chiefs
CHIEF_HEADER = ["姓名", "职务", "负责河湖", "任职日期", "离任日期", "备注"]
CHIEFS: list[list[Cell]] = [
    ["王建国", "总河长", "蕰藻浜", d("2021-06-15"), None, "区委书记"],
    ["李卫东", "区级河长", "吴淞江、浏河", d("2022-03-01"), None, "副区长"],
    ["陈明华", "区级河长", "练祁河、横沥河", d("2021-09-01"), d("2026-05-20"), "调任，由张丽萍接任"],
    ["张丽萍", "区级河长", "练祁河、 横沥河", d("2026-05-21"), None, "接任陈明华"],
    ["周志刚", "区级河长", "盐铁塘、顾浦", d("2023-01-10"), None, None],
    ["吴海燕", "区级河长", "新槎浦、祁迁河、远香湖", d("2022-07-01"), None, None],
    ["徐国平", "镇级河长", "封浜", d("2021-03-01"), d("2026-08-31"), "退休，新任人选待江桥镇报送"],
    ["孙晓东", "镇级河长", "娄塘河、徐家港", Text("2022-01-15"), None, None],
    ["马俊", "镇级河长", "秋霞浦", d("2020-11-01"), d("2025-12-31"), "调离"],
    ["朱红梅", "镇级河长", "秋霞浦", d("2026-12-01"), None, "已发任命通知，12月1日起任职"],
    ["胡建军", "村级河长", "陆家浜", d("2023-03-15"), None, "村书记"],
    ["郭秀英", "村级河长", "东泾沟", d("2023-04-01"), None, "村主任"],
    ["何志强", "村级河长", "小石桥河", d("2022-05-01"), d("2026-10-15"), "村委换届离任"],
    ["林美玲", "村级河长", "沈家宅沟", d("2024-02-01"), None, None],
]

# ---------------------------------------------------------------------------------------------------
# 问题台账: 24 problems. Column 8 (内部备注) is hidden in the sheet.
PROBLEM_HEADER = [
    "问题编号",
    "河湖名称",
    "问题类别",
    "问题来源",
    "发现日期",
    "严重程度",
    "责任单位",
    "内部备注",
    "整改时限",
    "整改情况",
    "销号日期",
    "是否复核",
]
HIDDEN_PROBLEM_COLUMN = 8
P = "JD-WT-2026-"
PROBLEMS: list[list[Cell]] = [
    [
        P + "001",
        "练祁河",
        "河面漂浮物",
        "河长巡河",
        d("2026-01-12"),
        "一般",
        "嘉定镇街道",
        None,
        d("2026-01-31"),
        "已销号",
        d("2026-01-28"),
        "是",
    ],
    [
        P + "002",
        "蕰藻浜",
        "排口污水直排",
        "市级暗访",
        d("2026-02-18"),
        "重大",
        "南翔镇人民政府",
        "市河长办挂牌督办",
        d("2026-05-31"),
        "已销号",
        d("2026-06-10"),
        "是",
    ],
    [
        P + "003",
        "横沥河",
        "岸线违章搭建",
        "群众举报",
        d("2026-03-05"),
        "一般",
        "嘉定镇街道",
        "街道报已拆除，未去现场",
        d("2026-06-30"),
        "已销号",
        d("2026-06-20"),
        "否",
    ],
    [
        P + "004",
        "盐铁塘",
        "跨界断面水质超标",
        "水质监测",
        d("2026-04-10"),
        "重大",
        "区生态环境局",
        "需与太仓方面联合处置",
        d("2026-10-31"),
        "整改中",
        None,
        "否",
    ],
    [
        P + "005",
        "吴淞江",
        "河道淤积",
        "专项检查",
        d("2026-04-22"),
        "一般",
        "区水务局",
        None,
        d("2026-12-31"),
        "整改中",
        None,
        "否",
    ],
    [
        P + "006",
        "顾浦",
        "违规养殖",
        "河长巡河",
        d("2026-05-08"),
        "一般",
        "安亭镇河长办",
        None,
        d("2026-08-31"),
        "已销号",
        d("2026-08-25"),
        "是",
    ],
    [
        P + "007",
        "蕰藻浜",
        "企业违法排污",
        "12345热线",
        d("2026-07-14"),
        "一般",
        "南翔镇人民政府",
        "镇里说月底前完成，先别报",
        Serial("2026-11-10"),
        "整改中",
        None,
        "否",
    ],
    [
        P + "008",
        "封浜",
        "黑臭水体",
        "市级暗访",
        d("2026-06-03"),
        "重大",
        "江桥镇人民政府",
        "河长退休后无人牵头",
        d("2026-09-30"),
        "未整改",
        None,
        "否",
    ],
    [
        P + "009",
        "陆家浜",
        "生活垃圾堆放",
        "河长巡河",
        d("2026-08-19"),
        "一般",
        "南翔镇人民政府",
        None,
        d("2026-11-25"),
        "整改中",
        None,
        "否",
    ],
    [
        P + "010",
        "东泾沟",
        "护岸破损",
        "河长巡河",
        Text("2026-09-03"),
        "一般",
        "安亭镇河长办",
        None,
        Text("2026-11-26"),
        "整改中",
        None,
        "否",
    ],
    [
        P + "011",
        "小石桥河",
        "水葫芦疯长",
        "群众举报",
        d("2026-09-10"),
        "一般",
        "马陆镇河长办",
        "镇里已报完成，待区里复核",
        Serial("2026-10-20"),
        "已完成待销号",
        None,
        "否",
    ],
    [
        P + "012",
        "远香湖",
        "岸线绿化破坏",
        "12345热线",
        d("2026-09-21"),
        "一般",
        "区绿化市容局",
        None,
        d("2026-10-31"),
        "已销号",
        d("2026-10-28"),
        "是",
    ],
    [
        P + "013",
        "祁迁河",
        "雨污混接",
        "专项检查",
        d("2026-10-09"),
        "一般",
        "马陆镇河长办",
        None,
        d("2027-01-31"),
        "未整改",
        None,
        "否",
    ],
    [
        P + "014",
        "新槎浦",
        "工地泥浆排放",
        "河长巡河",
        d("2026-10-15"),
        "一般",
        "江桥镇人民政府",
        None,
        d("2026-11-20"),
        "已完成待销号",
        None,
        "否",
    ],
    [
        P + "015",
        "浏河",
        "跨界漂浮物",
        "专项检查",
        d("2026-10-22"),
        "一般",
        "区水务局",
        "已函告太仓市河长办",
        Text("2026-11-30"),
        "整改中",
        None,
        "否",
    ],
    [
        P + "016",
        "秋霞浦",
        "河面油污",
        "群众举报",
        d("2026-10-30"),
        "一般",
        "嘉定镇街道",
        None,
        d("2026-12-15"),
        "未整改",
        None,
        "否",
    ],
    [
        P + "017",
        "娄塘河",
        "违章建筑",
        "河长巡河",
        d("2026-05-20"),
        "一般",
        "区水务局",
        None,
        d("2026-07-31"),
        "已销号",
        d("2026-09-05"),
        "是",
    ],
    [
        P + "018",
        "徐家港",
        "农业面源污染",
        "水质监测",
        Text("2026-06-15"),
        "一般",
        "区农业农村委",
        None,
        d("2026-09-15"),
        "已完成待销号",
        None,
        "否",
    ],
    [
        P + "019",
        "沈家宅沟",
        "河道淤积",
        "河长巡河",
        d("2026-07-02"),
        "一般",
        "区水务局",
        "列入明年疏浚计划",
        d("2026-12-31"),
        "整改中",
        None,
        "否",
    ],
    [
        P + "020",
        "封浜",
        "岸线侵占",
        "群众举报",
        d("2026-11-02"),
        "一般",
        "江桥镇人民政府",
        None,
        d("2026-12-20"),
        "未整改",
        None,
        "否",
    ],
    [
        P + "021",
        "练祁河 ",
        "排口污水直排",
        "市级暗访",
        d("2026-08-05"),
        "重大",
        "区生态环境局",
        "市级暗访点名",
        d("2026-11-15"),
        "整改中",
        None,
        "否",
    ],
    [
        P + "022",
        "横沥河",
        "河面漂浮物",
        "河长巡河",
        d("2026-11-18"),
        "一般",
        "嘉定镇街道",
        None,
        d("2026-11-28"),
        "未整改",
        None,
        "否",
    ],
    [
        P + "023",
        "吴淞江",
        "岸线违规堆场",
        "专项检查",
        d("2026-03-16"),
        "重大",
        "江桥镇人民政府",
        None,
        d("2026-06-30"),
        "已销号",
        d("2026-06-28"),
        "是",
    ],
    [
        P + "024",
        "蕰藻浜",
        "河面漂浮物",
        "河长巡河",
        d("2026-11-24"),
        "一般",
        "南翔镇人民政府",
        None,
        d("2026-12-08"),
        "未整改",
        None,
        "否",
    ],
]
PROBLEM_FOOTER = "填表人：王琳        审核人：赵振华        填报日期：2026年11月26日"

# ---------------------------------------------------------------------------------------------------
# 约谈记录: 3 interviews
INTERVIEW_HEADER = ["约谈对象单位", "约谈日期", "约谈事由", "涉及问题编号"]
INTERVIEWS: list[list[Cell]] = [
    ["安亭镇河长办", d("2026-06-18"), "市级暗访发现顾浦违规养殖等问题，整改推进不力", P + "006"],
    ["江桥镇人民政府", d("2026-10-12"), "封浜黑臭水体问题整改超期未完成，河长空缺未及时补任", P + "008"],
    ["南翔镇人民政府", d("2026-11-20"), "蕰藻浜问题整改多次超期，整改进度缓慢", P + "002，" + P + "007"],
]

# ---------------------------------------------------------------------------------------------------
# 旧台账 (hidden, outdated): the 2025 sheet before migration; must not be read as current data.
OLD_HEADER = [
    "问题编号",
    "河湖名称",
    "问题类别",
    "问题来源",
    "发现日期",
    "严重程度",
    "责任单位",
    "整改时限",
    "整改情况",
    "销号日期",
    "是否复核",
]
OLD_ROWS: list[list[Cell]] = [
    [
        "JD-WT-2025-031",
        "练祁河",
        "河面漂浮物",
        "河长巡河",
        d("2025-09-02"),
        "一般",
        "嘉定镇街道",
        d("2025-10-31"),
        "整改中",
        None,
        "否",
    ],
    [
        "JD-WT-2025-044",
        "封浜",
        "黑臭水体",
        "市级暗访",
        d("2025-10-11"),
        "重大",
        "江桥镇人民政府",
        d("2025-12-31"),
        "未整改",
        None,
        "否",
    ],
    [
        "JD-WT-2025-052",
        "顾浦",
        "违规养殖",
        "群众举报",
        d("2025-11-05"),
        "一般",
        "安亭镇河长办",
        d("2025-12-15"),
        "已完成待销号",
        None,
        "否",
    ],
    [
        P + "001",
        "练祁河",
        "河面漂浮物",
        "河长巡河",
        d("2026-01-12"),
        "一般",
        "嘉定镇街道",
        d("2026-01-31"),
        "未整改",
        None,
        "否",
    ],
    [
        P + "002",
        "蕰藻浜",
        "排口污水直排",
        "市级暗访",
        d("2026-02-18"),
        "重大",
        "南翔镇人民政府",
        d("2026-04-30"),
        "未整改",
        None,
        "否",
    ],
    [
        "JD-WT-2025-060",
        "横塘河",
        "岸线侵占",
        "河长巡河",
        d("2025-12-01"),
        "一般",
        "外冈镇人民政府",
        d("2026-01-15"),
        "整改中",
        None,
        "否",
    ],
]


def build() -> Path:
    """Build the workbook and return its path."""
    wb = Workbook()
    notes = wb.active
    assert notes is not None
    notes.title = "说明"
    for r, line in enumerate(NOTES, start=1):
        notes.cell(row=r, column=1, value=line)
    notes["A1"].font = Font(bold=True, size=14)
    notes.column_dimensions["A"].width = 100

    ws = wb.create_sheet("河湖名录")
    ws["A1"] = "填表说明：编码按区河长办统一编号；等级以2024年河湖名录为准；跨省河湖需报流域联防联控机制。"
    write_table(ws, 2, WATERBODY_HEADER, WATERBODIES, [12, 12, 8, 14, 10])

    ws = wb.create_sheet("单位名录")
    write_table(ws, 1, UNIT_HEADER, UNITS, [18, 14, 16])

    ws = wb.create_sheet("河长名录")
    write_table(ws, 1, CHIEF_HEADER, CHIEFS, [10, 12, 28, 14, 14, 30], date_format='yyyy"年"m"月"d"日"')

    ws = wb.create_sheet("问题台账")
    ws["A1"] = "嘉定区河湖问题整改台账（2026年）"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(PROBLEM_HEADER))
    write_table(ws, 2, PROBLEM_HEADER, PROBLEMS, [16, 12, 18, 12, 13, 10, 16, 28, 13, 14, 13, 10])
    ws.column_dimensions[get_column_letter(HIDDEN_PROBLEM_COLUMN)].hidden = True
    footer_row = 2 + len(PROBLEMS) + 2  # one blank row, then the signature line
    ws.cell(row=footer_row, column=1, value=PROBLEM_FOOTER)
    ws.auto_filter.ref = f"A2:{get_column_letter(len(PROBLEM_HEADER))}{2 + len(PROBLEMS)}"

    ws = wb.create_sheet("约谈记录")
    write_table(ws, 1, INTERVIEW_HEADER, INTERVIEWS, [18, 14, 50, 34])

    ws = wb.create_sheet("旧台账")
    ws["A1"] = "（已停用）2025年问题台账，2025年12月迁移至“问题台账”，以下数据不再更新，勿引用。"
    write_table(ws, 2, OLD_HEADER, OLD_ROWS, [16, 12, 14, 12, 13, 10, 16, 13, 14, 13, 10])
    ws.sheet_state = "hidden"

    wb.active = 0
    wb.save(OUT)
    return OUT


if __name__ == "__main__":
    print(build())
