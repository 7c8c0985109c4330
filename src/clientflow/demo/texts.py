"""What the demo's people write (titles, notes, risk stories), in the reader's language.

The demo's data is what a team types, not messages from the catalogues: a Shanghai team
writing for a Chinese reader writes it in Chinese. The story is the same in every
language: only these texts, and the names in ``rules.zh_CN.toml``, change.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TypeGuard

__all__ = ["RULES_OVERLAYS", "overlay", "written"]

RULES_OVERLAYS: Mapping[str, Path] = MappingProxyType(
    {"zh_CN": Path(__file__).with_name("rules.zh_CN.toml")}
)
"""Per locale, the rules keys (names, titles) that differ from ``rules.toml``."""

_ZH: Mapping[str, str] = MappingProxyType(
    {
        # change requests
        "Fix the typo on the statement page": "修正对账单页面的错别字",
        "Add WeChat Pay to the mobile app": "手机银行接入微信支付",
        "Biometric login": "指纹和人脸登录",
        "Quarterly report export to Excel": "季度报表导出为 Excel",
        "Holiday banner on the home page": "首页节日横幅",
        "Gift cards": "礼品卡",
        "Track parcels by SMS": "短信查询包裹状态",
        "Replace the route optimiser": "更换路径优化引擎",
        "Add a claims FAQ page": "新增理赔常见问题页面",
        "too risky for this release": "本次上线风险过高",
        # issues, feedback and touchpoints
        "Issue": "问题",
        "Complaint": "投诉",
        "patch deployed to staging": "补丁已部署到预发布环境",
        "fixed in production": "已在生产环境解决",
        "monthly pulse survey": "月度满意度调查",
        "Thank you!": "感谢您的反馈！",  # noqa: RUF001 - full-width in Chinese
        "called the client": "已电话联系客户",
        "weekly demo of fixes": "每周演示改进进展",
        "client question": "客户咨询",
        # risks
        "Vendor delivers the legacy export late": "供应商延迟交付旧系统数据导出",
        "the vendor has one DBA on our account": "供应商只安排了一名数据库管理员",
        "the legacy export slips past 30 September": "旧系统数据导出晚于 9 月 30 日",
        "push the cut-over past the client's freeze": "系统切换推迟到客户封版期之后",
        "Second DBA from the vendor's bench": "请供应商增派一名数据库管理员",
        "Dry-run the export on a replica": "在只读副本上预演数据导出",
        "export not started by 28 September": "9 月 28 日前仍未开始导出",
        "export from our read replica": "改从我方只读副本导出",
        "the export has not started": "数据导出仍未开始",
        "exported from the replica": "已从只读副本完成导出",
        "Change requests keep widening the scope": "变更请求不断扩大项目范围",
        "the sponsor approves features without the steering group": (
            "发起人绕过指导委员会直接批准新功能"
        ),
        "approved changes pass the 5 % creep threshold": "已批准的变更超过 5% 的范围蔓延阈值",
        "cost the fixed price its margin": "固定总价合同的利润被吃掉",
        "Steering group signs off every change": "每项变更都经指导委员会签字确认",
        "a change approved outside the steering group": "出现未经指导委员会批准的变更",
        "The only routing engineer may leave": "唯一的路径算法工程师可能离职",
        "one engineer knows the route optimiser": "只有一名工程师熟悉路径优化引擎",
        "the engineer leaves during the rewrite": "该工程师在重写期间离职",
        "stall the optimiser replacement": "路径优化引擎的更换工作停滞",
        "FAQ content late from the client": "客户提供常见问题内容延迟",
        "the client's legal team reviews every page": "客户法务部门逐页审核",
        "the FAQ text arrives after the release date": "常见问题文案晚于上线日期提供",
        "ship the portal without its FAQ": "门户上线时缺少常见问题页面",
        "the FAQ went live on time": "常见问题页面已按时上线",
    }
)

_TEXTS: Mapping[str, Mapping[str, str]] = MappingProxyType({"zh_CN": _ZH})


def written(text: str, locale: str) -> str:
    """``text`` as the demo's team writes it for a ``locale`` reader (as is in English)."""
    return _TEXTS.get(locale, {}).get(text, text)


def _tables(value: object) -> TypeGuard[list[dict[str, object]]]:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def overlay(data: dict[str, object], changes: Mapping[str, object]) -> dict[str, object]:
    """``data`` (parsed rules) with ``changes`` laid over it: tables merge key by key; a
    list of tables with ids (a plan's ``items``) takes a table of changes by id; a list
    of tables without ids (an escalation's ``levels``) takes a list of as many tables,
    merged in order."""  # noqa: D205, D209
    merged = dict(data)
    for key, value in changes.items():
        here = merged.get(key)
        if isinstance(here, dict) and isinstance(value, dict):
            merged[key] = overlay(here, value)
        elif isinstance(here, list) and isinstance(value, dict):
            merged[key] = [
                overlay(item, value.get(item.get("id"), {})) if isinstance(item, dict) else item
                for item in here
            ]
        elif _tables(here) and _tables(value) and len(here) == len(value):
            merged[key] = [overlay(a, b) for a, b in zip(here, value, strict=True)]
        else:
            merged[key] = value
    return merged
