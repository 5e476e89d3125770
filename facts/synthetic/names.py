"""Vocabularies for fictional Shanghai-like records: districts, places, people, problem categories.

Everything here is made up from common characters; no name is meant to be a real person. District
names are Shanghai's sixteen real districts, weighted roughly by how many rivers each one has.
"""

from __future__ import annotations

import itertools
import random
from typing import NamedTuple


class District(NamedTuple):
    """A Shanghai district: its name, a short code used in unit keys, and a share of the waterbodies."""

    name: str
    code: str
    weight: float


DISTRICTS: tuple[District, ...] = (
    District("黄浦区", "HP", 1.0),
    District("徐汇区", "XH", 2.0),
    District("长宁区", "CN", 1.5),
    District("静安区", "JA", 1.0),
    District("普陀区", "PT", 1.5),
    District("虹口区", "HK", 1.0),
    District("杨浦区", "YP", 1.5),
    District("闵行区", "MH", 6.0),
    District("宝山区", "BS", 5.0),
    District("嘉定区", "JD", 7.0),
    District("浦东新区", "PD", 18.0),
    District("金山区", "JS", 8.0),
    District("松江区", "SJ", 9.0),
    District("青浦区", "QP", 12.0),
    District("奉贤区", "FX", 9.0),
    District("崇明区", "CM", 16.0),
)
TAIHU_DISTRICTS = frozenset({"青浦区", "松江区", "金山区"})
"""Districts whose basin waterbodies are recorded under 太湖 (the rest under 长江)."""

CITY_MEMBER_UNITS: tuple[tuple[str, str], ...] = (
    ("U-SWJ", "上海市水务局"),
    ("U-SSTHJJ", "上海市生态环境局"),
    ("U-SLHSRJ", "上海市绿化和市容管理局"),
    ("U-SJTW", "上海市交通委员会"),
    ("U-SGHZYJ", "上海市规划和自然资源局"),
    ("U-SNYNCW", "上海市农业农村委员会"),
    ("U-SZJW", "上海市住房和城乡建设管理委员会"),
    ("U-SGAJ", "上海市公安局"),
)
"""City member units of the river chief system (key, name)."""

DISTRICT_MEMBER_UNITS: tuple[tuple[str, str], ...] = (("SWJ", "水务局"), ("STHJJ", "生态环境局"))
"""Member units every district has (key suffix, name after the district's): 浦东新区水务局 ..."""

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏付方邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛龚邵万钱严戴孔汤俞倪施"
)
GIVEN = "伟芳敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉萍红建文斌宇浩凯晨婷雪琳晶鹏辉亮峰佳颖欣海波宁睿俊"

DIRECTIONS = "东西南北中新老大小横直长前后上下"
PLACE_CHARS = "沙泾塘桥庙漕渡湾沥浦石竹柳桃枫杨莲溪盐蟠金银龙凤鹤虹槎蒲荻芦菱梅松"
RIVER_SUFFIXES = ("浜", "港", "河", "泾", "塘", "沟", "浦")
RIVER_SUFFIX_CUM_WEIGHTS = tuple(itertools.accumulate((30, 25, 20, 12, 6, 4, 3)))
LAKE_SUFFIXES = ("湖", "荡", "泖")
CITY_RIVER_SUFFIXES = ("江", "河", "港", "塘河")
TOWN_FIRST = "金华朱枫泗高周川惠航祝书曹唐合练赵白重泖亭漕庄马娄嘉罗月顾庙堡陈竖横城绿向三建"
TOWN_SECOND = "泾桥浦港行泽沙江山汇庄湾塘店镇林阳兴"

CATEGORIES: tuple[tuple[str, int, str], ...] = (
    ("河道垃圾", 22, "清理河道垃圾并落实长效保洁"),
    ("排口异常", 12, "排口溯源整治，消除异常排放"),
    ("水面漂浮物", 12, "打捞水面漂浮物并加强日常养护"),
    ("违法排污", 10, "截断违法排污并依法查处"),
    ("违章搭建", 10, "拆除违章搭建，恢复河道蓝线"),
    ("水体黑臭", 8, "消除黑臭，水质稳定达到V类"),
    ("岸线侵占", 8, "清退侵占岸线，恢复岸线原貌"),
    ("护岸破损", 6, "修复破损护岸"),
    ("河道淤积", 5, "完成河道疏浚"),
    ("公示牌缺失", 4, "补设或更新河长公示牌"),
    ("违法养殖", 3, "清退违法养殖设施"),
)
"""Problem categories (name, weight, rectification target)."""
CATEGORY_NAMES = tuple(name for name, _, _ in CATEGORIES)
CATEGORY_CUM_WEIGHTS = tuple(itertools.accumulate(weight for _, weight, _ in CATEGORIES))
TARGETS = {name: target for name, _, target in CATEGORIES}

SOURCES = ("patrol", "complaint", "inspection", "unannounced_visit", "survey", "assigned")
SOURCE_CUM_WEIGHTS = tuple(itertools.accumulate((35, 20, 15, 10, 10, 10)))

INTERVIEW_REASONS = ("问题整改进度滞后", "问题整改不力", "逾期问题较多", "涉嫌虚假整改", "履职不到位")


def person_name(rng: random.Random) -> str:
    """A fictional two- or three-character Chinese name."""
    given_length = 1 if rng.random() < 0.3 else 2
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(given_length))


def river_name(rng: random.Random) -> str:
    """A river name like 张家浜, 东沙港 or 横沥泾."""
    suffix = rng.choices(RIVER_SUFFIXES, cum_weights=RIVER_SUFFIX_CUM_WEIGHTS)[0]
    if rng.random() < 0.4:
        return f"{rng.choice(SURNAMES)}家{suffix}"
    return rng.choice(DIRECTIONS + PLACE_CHARS) + rng.choice(PLACE_CHARS) + suffix


def lake_name(rng: random.Random) -> str:
    """A lake name like 莲溪湖 or 北荻荡."""
    return rng.choice(DIRECTIONS + PLACE_CHARS) + rng.choice(PLACE_CHARS) + rng.choice(LAKE_SUFFIXES)


def city_river_name(rng: random.Random) -> str:
    """A big river's name like 龙槎江 or 金汇塘河."""
    return rng.choice(PLACE_CHARS) + rng.choice(PLACE_CHARS) + rng.choice(CITY_RIVER_SUFFIXES)


def town_name(rng: random.Random, urban: bool) -> str:
    """A town (镇) or, in the central districts, a subdistrict (街道) name."""
    return rng.choice(TOWN_FIRST) + rng.choice(TOWN_SECOND) + ("街道" if urban else "镇")
