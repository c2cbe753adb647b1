"""The dashboard's words in Vietnamese (the default) and English, and the few sentences
made of words and figures (errors, kiosk problems), with figures written by locale.

Every word a dashboard user reads comes from here, errors included (the dashboard's and
the report API's when a browser asks). Reason labels come from ``[report] reasons``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sync.central import locale_format

LANGUAGES = ("vi", "en")

TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Mức độ hài lòng",
        "login": "Đăng nhập",
        "logout": "Đăng xuất",
        "username": "Tên đăng nhập",
        "password": "Mật khẩu",
        "login_failed": "Sai tên đăng nhập hoặc mật khẩu.",
        "last_30_days": "30 ngày qua",
        "range": "Khoảng thời gian",
        "from": "Từ ngày",
        "to": "Đến ngày",
        "show": "Xem",
        "turns": "Lượt đánh giá",
        "satisfaction": "Tỷ lệ hài lòng",
        # Table headers: a count at a level and the share at the top level must differ.
        "level_count": "{level} (lượt)",
        "top_share": "Tỷ lệ {level}",
        "other_language": "English",
        "by_department": "Theo lĩnh vực / đơn vị",
        "by_officer": "Theo cán bộ",
        "trend": "Diễn biến theo ngày",
        "kiosks": "Thiết bị tại quầy",
        "counter": "Quầy",
        "department": "Đơn vị",
        "officer": "Cán bộ",
        "last_heartbeat": "Liên lạc gần nhất",
        "pending": "Chờ gửi",
        "version": "Phiên bản",
        "clock_skew": "Lệch giờ (giây)",
        "state": "Tình trạng",
        # Not "Bình thường": that is a rating level, and a kiosk is not rated.
        "ok": "Hoạt động tốt",
        "stale": "Mất liên lạc",
        "unhealthy": "Cần kiểm tra",
        "never": "chưa có",
        "download_csv": "Tải CSV",
        "total": "Tổng",
        "no_data": "Chưa có đánh giá trong khoảng này.",
        "level_4": "Rất hài lòng",
        "level_3": "Hài lòng",
        "level_2": "Bình thường",
        "level_1": "Không hài lòng",
        "level_n": "Mức {n}",
        "bad_range": "Khoảng thời gian không hợp lệ",
        "overview": "Tổng quan",
        "reasons": "Lý do chưa hài lòng",
        "reasons_more": "Xem theo đơn vị và theo cán bộ",
        "reasons_share_of": (
            "Mỗi tỷ lệ tính trên số lượt chưa hài lòng (mức {levels}) của toàn trung tâm, "
            "đơn vị hoặc cán bộ ở dòng đó. Một người có thể chọn nhiều lý do, nên cộng các "
            "tỷ lệ có thể vượt 100%."
        ),
        "and": "và",
        "center": "Toàn trung tâm",
        "turns_unit": "lượt",
        "low_ratings": "Lượt chưa hài lòng",
        "no_reason": "Không nêu lý do",
        "no_low": "Không có lượt chưa hài lòng trong khoảng này.",
        "reasons_by_department": "Lý do theo đơn vị",
        "reasons_by_officer": "Lý do theo cán bộ",
        "reasons_csv": "Lý do",
        # Errors, said to the admin in the dashboard's language.
        "field_from": "Từ ngày",
        "field_to": "Đến ngày",
        "error_from_after_to": "Ngày bắt đầu ({date_from}) muộn hơn ngày kết thúc ({date_to}).",
        "error_not_a_day": "{field}: “{value}” không phải là ngày (viết ngày/tháng/năm, ví dụ {example}).",
        "date_hint": "ngày/tháng/năm",
        "error_day_out_of_range": "{field}: ngày {day} nằm ngoài khoảng {first} – {last}.",
        "error_bad_by": "Không có cách nhóm “{value}”.",
        "error_bad_for": "Không có nhóm “{value}” cho báo cáo lý do.",
        "error_for_without_reason": "Tham số for chỉ dùng với by=reason.",
        "error_bad_format": "Không có định dạng “{value}” (chỉ có json hoặc csv).",
        "error_login": "Cần đăng nhập (hoặc mã API của quản trị viên) để xem báo cáo.",
        "error_internal": "Lỗi hệ thống; mã yêu cầu {request_id}. Hãy báo mã này cho kỹ thuật.",
        "error_database": "Cơ sở dữ liệu đang bận. Vui lòng thử lại sau ít phút.",
        "error": "Lỗi",
        # What is wrong with a kiosk (kiosks.Problem).
        "why_no_heartbeat": "chưa liên lạc lần nào",
        "why_silent": "mất liên lạc {value} phút",
        "why_pending": "{value} lượt chờ gửi",
        "why_clock": "đồng hồ lệch {value} giây",
        "why_rejected": "{value} lượt bị từ chối",
        "why_error": "lỗi: {value}",
    },
    "en": {
        "title": "Citizen satisfaction",
        "login": "Log in",
        "logout": "Log out",
        "username": "Username",
        "password": "Password",
        "login_failed": "Wrong username or password.",
        "last_30_days": "Last 30 days",
        "range": "Date range",
        "from": "From",
        "to": "To",
        "show": "Show",
        "turns": "Turns rated",
        "satisfaction": "Satisfaction rate",
        "level_count": "{level} (turns)",
        "top_share": "Share {level}",
        "other_language": "Tiếng Việt",
        "by_department": "By department",
        "by_officer": "By officer",
        "trend": "Trend by day",
        "kiosks": "Counter kiosks",
        "counter": "Counter",
        "department": "Department",
        "officer": "Officer",
        "last_heartbeat": "Last heard from",
        "pending": "Pending",
        "version": "Version",
        "clock_skew": "Clock skew (s)",
        "state": "State",
        "ok": "OK",
        "stale": "Stale",
        "unhealthy": "Check",
        "never": "never",
        "download_csv": "Download CSV",
        "total": "Total",
        "no_data": "No ratings in this range yet.",
        "level_4": "Very satisfied",
        "level_3": "Satisfied",
        "level_2": "Neutral",
        "level_1": "Dissatisfied",
        "level_n": "Level {n}",
        "bad_range": "Invalid date range",
        "overview": "Overview",
        "reasons": "Why citizens were not satisfied",
        "reasons_more": "By department and by officer",
        "reasons_share_of": (
            "Each share is of the low ratings (levels {levels}) of the center, department "
            "or officer on that line. A citizen may choose several reasons, so the shares "
            "can add up to more than 100%."
        ),
        "and": "and",
        "center": "Whole center",
        "turns_unit": "turns",
        "low_ratings": "Low ratings",
        "no_reason": "No reason given",
        "no_low": "No low ratings in this range.",
        "reasons_by_department": "Reasons by department",
        "reasons_by_officer": "Reasons by officer",
        "reasons_csv": "Reasons",
        "field_from": "From",
        "field_to": "To",
        "error_from_after_to": "The first day ({date_from}) is after the last day ({date_to}).",
        "error_not_a_day": "{field}: “{value}” is not a date (write month/day/year, e.g. {example}).",
        "date_hint": "month/day/year",
        "error_day_out_of_range": "{field}: {day} is outside {first} – {last}.",
        "error_bad_by": "There is no grouping “{value}”.",
        "error_bad_for": "There is no group “{value}” for the reasons report.",
        "error_for_without_reason": "The for parameter goes only with by=reason.",
        "error_bad_format": "There is no format “{value}” (only json or csv).",
        "error_login": "Log in (or use an admin API token) to see reports.",
        "error_internal": "Internal error; request id {request_id}. Tell the technician this id.",
        "error_database": "The database is busy. Please try again in a few minutes.",
        "error": "Error",
        "why_no_heartbeat": "no heartbeat yet",
        "why_silent": "silent for {value} min",
        "why_pending": "{value} pending",
        "why_clock": "clock off by {value} s",
        "why_rejected": "{value} rejected",
        "why_error": "error: {value}",
    },
}


def pick_language(requested: str | None, accept_language: str | None = None) -> str:
    """``?lang=`` wins, then the browser's first known language, else Vietnamese."""
    if requested in LANGUAGES:
        return requested
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "vi"


def error_language(
    authorization: str | None,
    logged_in: bool,
    requested: str | None,
    accept_language: str | None,
) -> str:
    """The language of an error answer. A script (Bearer token) reads the documented
    English; a browser reads what the dashboard would show it: ``?lang=``, then its
    languages, then Vietnamese for a dashboard user; anyone else English."""
    if authorization:
        return "en"
    if requested in LANGUAGES or any(
        part.split(";")[0].strip().lower()[:2] in LANGUAGES
        for part in (accept_language or "").split(",")
    ):
        return pick_language(requested, accept_language)
    return "vi" if logged_in else "en"


def level_label(words: dict[str, str], level: int) -> str:
    return words.get(f"level_{level}") or words["level_n"].format(n=level)


def column_label(words: dict[str, str], level: int, key: str) -> str:
    """A header made of a level's words: "Rất hài lòng (lượt)", "Tỷ lệ rất hài lòng"."""
    label = level_label(words, level)
    if words[key].startswith("{"):
        return words[key].format(level=label)
    # Inside a phrase the level's words are not capitalised: "Tỷ lệ rất hài lòng".
    return words[key].format(level=label[:1].lower() + label[1:])


def _figure(value: Any, lang: str) -> Any:
    if isinstance(value, date):
        return locale_format.day(value, lang)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return locale_format.number(value, lang)
    return value


def report_problem(lang: str, kind: str, params: dict[str, Any], fallback: str) -> str:
    """A report refusal (reports.ReportError's kind and params) in ``lang``."""
    words = TEXT[lang]
    template = words.get(f"error_{kind}")
    if template is None:
        return fallback
    values = {key: _figure(value, lang) for key, value in params.items()}
    # A day after the 12th shows which number is the day and which the month.
    values["example"] = locale_format.day(date(2025, 3, 31), lang)
    name = str(params.get("name", "")).lstrip("-")
    if name in ("from", "to"):
        # The form's own word, and the parameter's name when the two differ.
        field = words[f"field_{name}"]
        values["field"] = field if field.lower() == name else f"{field} ({name})"
    return template.format(**values)


def kiosk_problem(lang: str, kind: str, value: Any) -> str:
    """One thing wrong with a kiosk (kiosks.Problem) in ``lang``."""
    if kind == "clock":
        shown = ("+" if value > 0 else "") + locale_format.number(round(value), lang)
    else:
        shown = _figure(value, lang)
    return TEXT[lang][f"why_{kind}"].format(value=shown)
