"""Layouts of the data files sent to clearing participants (documented in docs/interfaces.md, which
is generated from these definitions by `csdp ipo layouts`). DBF field names ≤ 10 characters, GBK
text (rules.md §8); CSV files carry the same columns under the same names, GBK encoded."""

from __future__ import annotations

from dataclasses import dataclass

from csdp.lib.dbf import Field


@dataclass(frozen=True)
class Layout:
    file_type: str
    title: str
    when: str
    source: str  # the seed paragraph the file serves
    fields: tuple[Field, ...]
    detail: str  # one record per …


ZQDM = Field("ZQDM", "C", 6, title="证券代码（北交所 920 代码）")
JSCY = Field("JSCY", "C", 10, title="结算参与人代码")
XWDM = Field("XWDM", "C", 6, title="托管单元代码")
GDDM = Field("GDDM", "C", 10, title="证券账户号码")
SQBH = Field("SQBH", "N", 18, title="主机确认序号（成交号码）")
SGSL = Field("SGSL", "N", 12, title="申购数量（股）")
RQ = Field("RQ", "D", 8, title="业务日期")

LAYOUTS: dict[str, Layout] = {
    "SGQS": Layout(
        "SGQS",
        "申购清算明细",
        "T日日终",
        "002 §4.1.1",
        (
            Field("JLLX", "C", 2, title="记录类型：A0 有效申购，A1 无效申购"),
            ZQDM,
            JSCY,
            XWDM,
            GDDM,
            SQBH,
            SGSL,
            Field("SGJG", "N", 10, 2, title="申购价格（元）"),
            Field("SGJE", "N", 16, 2, title="申购金额（元），无效申购为 0"),
            Field("WXYY", "C", 2, title="无效原因代码（见原因代码表），有效为空"),
            RQ,
        ),
        "每笔申购一条",
    ),
    "SGHZ": Layout(
        "SGHZ",
        "申购清算汇总（应付申购资金）",
        "T日日终",
        "002 §4.1.1",
        (
            ZQDM,
            JSCY,
            Field("YXBS", "N", 12, title="有效申购笔数"),
            Field("YXSL", "N", 16, title="有效申购数量（股）"),
            Field("YFJE", "N", 18, 2, title="应付申购资金（元）"),
            RQ,
        ),
        "每个结算参与人一条",
    ),
    "DJSJ": Layout(
        "DJSJ",
        "申购资金冻结数据",
        "T+1日日终",
        "002 §4.1.2(三)(六)",
        (
            ZQDM,
            JSCY,
            Field("YFJE", "N", 18, 2, title="应付申购资金（元）"),
            Field(
                "KYJE", "N", 18, 2, title="本发行冻结前可用资金（元，同日多只发行按证券代码从小到大依次冻结后的余额）"
            ),
            Field("QKJE", "N", 18, 2, title="本发行资金缺口（元，应付申购资金 − 本发行冻结前可用资金，不小于 0）"),
            Field("DJJE", "N", 18, 2, title="冻结金额（元）"),
            RQ,
        ),
        "每个结算参与人一条",
    ),
    "WXSG": Layout(
        "WXSG",
        "无效申购数据",
        "T+1日日终",
        "002 §4.1.2(五)(六)",
        (ZQDM, JSCY, XWDM, GDDM, SQBH, SGSL, Field("WXYY", "C", 2, title="无效原因代码（见原因代码表）"), RQ),
        "每笔无效申购一条（含T日交易所规则无效与T+1日资金不足无效）",
    ),
    "JDSJ": Layout(
        "JDSJ",
        "申购资金解冻数据",
        "T+1日日终",
        "002 §4.1.3；中止发行时 §5.2",
        (ZQDM, JSCY, XWDM, GDDM, SQBH, Field("JDJE", "N", 16, 2, title="解冻金额（元）"), RQ),
        "每笔有解冻金额的申购一条",
    ),
    "PSJG": Layout(
        "PSJG",
        "无效申购处理后的配售结果",
        "T+1日日终",
        "002 §4.1.3",
        (
            ZQDM,
            JSCY,
            XWDM,
            GDDM,
            SQBH,
            SGSL,
            Field("PSSL", "N", 12, title="配售数量（股）"),
            Field("KKJE", "N", 16, 2, title="扣款金额（元）"),
            RQ,
        ),
        "每笔获配申购一条",
    ),
    "GFDJ": Layout(
        "GFDJ",
        "股份登记数据",
        "股份登记日日终",
        "002 §4.3",
        (
            ZQDM,
            JSCY,
            XWDM,
            GDDM,
            Field("GFXZ", "C", 2, title="股份性质：00 无限售流通股，05/06 限售流通股（个人/机构）"),
            Field("DJSL", "N", 12, title="登记数量（股）"),
            Field("XSRQ", "D", 8, title="限售截止日（无限售为空）"),
            Field(
                "DJLB", "C", 2, title="登记类别：01 网上配售，02 余股，03 战略配售，04 网下发行，05 首发前股份限售登记"
            ),
            RQ,
        ),
        "每个证券账户每类登记一条",
    ),
    "CPDJ": Layout(
        "CPDJ",
        "超额配售股份登记数据（发行人增发）",
        "超额配售增发登记审核通过日",
        "002 §2.2.1",
        (
            ZQDM,
            JSCY,
            XWDM,
            GDDM,
            Field("GFXZ", "C", 2, title="股份性质：00 无限售流通股（超额配售股份）"),
            Field("DJSL", "N", 12, title="登记数量（股）"),
            RQ,
        ),
        "每个已登记的增发明细行一条（该发行全部已登记的增发，每次登记后重发）",
    ),
    "CPGH": Layout(
        "CPGH",
        "超额配售股份非交易过户数据",
        "超额配售过户登记审核通过日",
        "002 §2.2.2、§2.2.3",
        (
            ZQDM,
            JSCY,
            XWDM,
            GDDM,
            Field("ZCZH", "C", 10, title="转出证券账户（超额配售选择权专用账户）"),
            Field("GHSL", "N", 12, title="过户数量（股），免收过户费与印花税"),
            RQ,
        ),
        "每个已登记的过户明细行一条（转入方；该发行全部已登记的过户，每次登记后重发）",
    ),
    "LXFH": Layout(
        "LXFH",
        "冻结资金利息返还数据",
        "受理主承销商的利息返还申请时",
        "002 §5.2、§5.3",
        (
            ZQDM,
            JSCY,
            XWDM,
            GDDM,
            SQBH,
            Field("JXBJ", "N", 16, 2, title="计息本金：该笔申购被冻结的资金（元）"),
            Field("JXTS", "N", 5, title="计息天数（计息起日至止日，含起日不含止日）"),
            Field("NLL", "N", 8, 4, title="年利率（%）"),
            Field("JXJC", "N", 3, title="计息基础（天/年：360 或 365）"),
            Field("LXJE", "N", 14, 2, title="利息（元），每笔四舍五入到分"),
            RQ,
        ),
        "每笔利息大于 0 的申购一条",
    ),
    "BJFH": Layout(
        "BJFH",
        "认购资金本金返还数据",
        "受理中止发行的本金返还申请时",
        "002 第五章",
        (
            ZQDM,
            JSCY,
            XWDM,
            GDDM,
            SQBH,
            Field("PSSL", "N", 12, title="配售数量（股）"),
            Field("BJJE", "N", 16, 2, title="返还的认购资金本金（元）"),
            RQ,
        ),
        "每笔获配并扣款的申购一条",
    ),
    "GFZX": Layout(
        "GFZX",
        "股份注销数据",
        "受理注销已登记到账股份的申请时",
        "002 第五章、§5.3",
        (
            ZQDM,
            JSCY,
            XWDM,
            GDDM,
            Field("GFXZ", "C", 2, title="股份性质：00 无限售流通股，05/06 限售流通股（个人/机构）"),
            Field("ZXSL", "N", 12, title="注销数量（股）"),
            Field("XSRQ", "D", 8, title="限售截止日（无限售为空）"),
            Field("DJLB", "C", 2, title="原登记类别：01 网上配售，02 余股，03 战略配售，04 网下发行"),
            RQ,
        ),
        "每个证券账户每类已登记股份一条",
    ),
}

REGISTRATION_KINDS = {"online": "01", "remainder": "02", "strategic": "03", "offline": "04", "lockup": "05"}

# Reason codes of WXYY (rules.md §1 for the exchange's rules, 002 §4.1.2 for the T+1 ones).
REASON_CODES = {
    "unit": ("01", "申购数量不是100股的整数倍或不大于0"),
    "max": ("02", "超过单笔申购上限 99,999,900 股"),
    "cap": ("03", "超过网上初始发行数量的5%（单一投资者上限）"),
    "duplicate": ("04", "同一投资者重复申购，仅第一笔有效"),
    "declared": ("11", "结算参与人申报资金不足（附件5）"),
    "shortfall": ("12", "结算参与人备付金不足，按规则认定无效"),
}
