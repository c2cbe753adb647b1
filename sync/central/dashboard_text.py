"""The dashboard's words in Vietnamese (the default) and English."""

from __future__ import annotations

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
        "top_level": "Rất hài lòng",
        "satisfaction": "Tỷ lệ hài lòng",
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
        "ok": "Bình thường",
        "stale": "Mất liên lạc",
        "unhealthy": "Cần kiểm tra",
        "never": "chưa bao giờ",
        "download_csv": "Tải CSV",
        "total": "Tổng",
        "no_data": "Chưa có đánh giá trong khoảng này.",
        "level_4": "Rất hài lòng",
        "level_3": "Hài lòng",
        "level_2": "Bình thường",
        "level_1": "Không hài lòng",
        "level_n": "Mức {n}",
        "bad_range": "Khoảng thời gian không hợp lệ",
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
        "top_level": "Very satisfied",
        "satisfaction": "Satisfaction rate",
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


def level_label(words: dict[str, str], level: int) -> str:
    return words.get(f"level_{level}") or words["level_n"].format(n=level)
