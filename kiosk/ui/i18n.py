"""Every string the citizen, officer or technician reads, in Vietnamese and English.

Strings are normalised to NFC once, here, so precomposed Vietnamese letters reach the
font: Roboto draws "ệ" as one glyph, but a decomposed "ê" + dot may stack badly.
"""

from __future__ import annotations

import unicodedata

LANGUAGES = ("vi", "en")

_STRINGS: dict[str, tuple[str, str]] = {
    # closed
    "closed_title": ("Quầy tạm nghỉ", "Counter closed"),
    "closed_hint": (
        "Xin mời Ông/Bà liên hệ quầy khác hoặc quay lại sau.",
        "Please go to another counter or come back later.",
    ),
    "staff_login": ("Cán bộ đăng nhập", "Staff login"),
    # pin pad (login, resume, staff, service)
    "login_title": ("Đăng nhập cán bộ", "Staff login"),
    "resume_title": ("Tiếp tục làm việc", "Resume work"),
    "staff_title": ("Xác nhận cán bộ", "Officer check"),
    "service_pin_title": ("Mã PIN kỹ thuật", "Technician PIN"),
    "officer_code": ("Mã cán bộ", "Officer code"),
    "pin": ("Mã PIN", "PIN"),
    "next": ("Tiếp", "Next"),
    "ok": ("Đồng ý", "OK"),
    "back": ("Quay lại", "Back"),
    "delete": ("Xóa", "Delete"),
    "scan_hint": (
        "Nhập mã hoặc quẹt thẻ, rồi nhập mã PIN.",
        "Type your code or scan your badge, then your PIN.",
    ),
    "pin_hint": ("Nhập mã PIN của cán bộ.", "Enter the officer's PIN."),
    "service_pin_hint": ("Dành cho kỹ thuật viên.", "For technicians only."),
    "checking": ("Đang kiểm tra…", "Checking…"),
    "refused_empty": ("Vui lòng nhập mã cán bộ và mã PIN.", "Please enter the code and the PIN."),
    "refused_unknown_officer": (
        "Không tìm thấy mã cán bộ này ở quầy.",
        "No officer with this code at this counter.",
    ),
    "refused_inactive": ("Tài khoản cán bộ đã ngừng hoạt động.", "This officer is deactivated."),
    "refused_wrong_pin": ("Mã PIN không đúng.", "Wrong PIN."),
    "attempts_left": ("Còn {n} lần thử.", "{n} tries left."),
    "refused_locked": (
        "Đăng nhập tạm khóa vì nhập sai nhiều lần. Thử lại sau {time}.",
        "Login locked after too many wrong PINs. Try again in {time}.",
    ),
    "refused_technician": ("Mã PIN kỹ thuật không đúng.", "Wrong technician PIN."),
    "minutes_seconds": ("{m} phút {s} giây", "{m} min {s} s"),
    "seconds": ("{s} giây", "{s} s"),
    # rate / waiting
    "question": ("Ông/Bà hài lòng với cán bộ phục vụ?", "Are you satisfied with the officer?"),
    "tap_hint": ("Chạm vào một khuôn mặt", "Touch one face"),
    "waiting_title": (
        "Xin mời Ông/Bà chờ đến lượt",
        "Please wait for your turn",
    ),
    "waiting_hint": (
        "Cán bộ sẽ mở đánh giá khi phục vụ xong.",
        "The officer opens the rating when your service is done.",
    ),
    "staff_button": ("Cán bộ", "Staff"),
    # reasons
    "reasons_title": ("Ông/Bà chưa hài lòng về điều gì?", "What could we do better?"),
    "reasons_hint": ("Chọn một hoặc nhiều lý do.", "Choose one or more reasons."),
    "send": ("Gửi", "Send"),
    "skip": ("Bỏ qua", "Skip"),
    # thanks
    "thanks_title": ("Cảm ơn Ông/Bà!", "Thank you!"),
    "thanks_hint": ("Ý kiến của Ông/Bà đã được ghi nhận.", "Your feedback has been recorded."),
    # paused
    "paused_title": ("Cán bộ tạm nghỉ", "Officer on a short break"),
    "paused_hint": ("Xin Ông/Bà vui lòng chờ trong giây lát.", "Please wait a moment."),
    "resume": ("Tiếp tục", "Resume"),
    # staff menu
    "staff_menu_title": ("Cán bộ: {name}", "Officer: {name}"),
    "today_count": ("Hôm nay: {n} lượt đánh giá", "Today: {n} ratings"),
    "pause": ("Tạm nghỉ", "Pause"),
    "logout": ("Đăng xuất", "Log out"),
    "open_turn": ("Mở lượt mới", "Open a turn"),
    # service
    "service_title": ("Bảo trì", "Service"),
    "svc_counter": ("Quầy", "Counter"),
    "svc_versions": ("Phiên bản", "Versions"),
    "svc_data_dir": ("Thư mục dữ liệu", "Data folder"),
    "svc_counts": ("Chờ gửi / đã gửi / bị từ chối / giữ lại", "Pending / sent / rejected / held"),
    "svc_today": ("Hôm nay", "Today"),
    "svc_last_sync": ("Đồng bộ gần nhất", "Last sync"),
    "svc_last_error": ("Lỗi gần nhất", "Last error"),
    "svc_central": ("Máy chủ trung tâm", "Central URL"),
    "svc_officer": ("Cán bộ", "Officer"),
    "svc_sync_state": ("Trạng thái đồng bộ", "Sync state"),
    "never": ("chưa có", "never"),
    "none": ("không", "none"),
    "not_configured": ("chưa cấu hình", "not configured"),
    "sync_now": ("Đồng bộ ngay", "Sync now"),
    "test_connection": ("Kiểm tra kết nối", "Test connection"),
    "logout_officer": ("Đăng xuất cán bộ", "Log out officer"),
    "reload_roster": ("Tải lại danh sách", "Reload roster"),
    "exit_app": ("Thoát ứng dụng", "Exit app"),
    "close": ("Đóng", "Close"),
    "working": ("Đang thực hiện…", "Working…"),
    "done": ("Xong: {detail}", "Done: {detail}"),
    "failed": ("Lỗi: {detail}", "Failed: {detail}"),
    "sync_ok": ("đã gửi hết", "all sent"),
    "sync_pending": ("đang chờ gửi", "pending"),
    "sync_error": ("lỗi", "error"),
}

STRINGS: dict[str, tuple[str, str]] = {
    key: (unicodedata.normalize("NFC", vi), unicodedata.normalize("NFC", en))
    for key, (vi, en) in _STRINGS.items()
}


def t(key: str, lang: str = "vi", **values: object) -> str:
    """The string ``key`` in ``lang`` ('vi' or 'en'), with ``{name}`` fields filled in."""
    vi, en = STRINGS[key]
    text = en if lang == "en" else vi
    return text.format(**values) if values else text


def nfc(text: str | None) -> str:
    """Text from config or the roster, normalised before it is drawn."""
    return unicodedata.normalize("NFC", text or "")


def label_of(item: object, lang: str) -> str:
    """The label of a configured level or reason in ``lang`` (``label_vi`` / ``label_en``)."""
    return nfc(getattr(item, "label_en" if lang == "en" else "label_vi"))


def duration(seconds: float, lang: str) -> str:
    """ "4 phút 05 giây" / "4 min 05 s": how long a lockout still lasts, rounded up."""
    total = max(0, int(seconds + 0.999))
    minutes, secs = divmod(total, 60)
    if minutes:
        return t("minutes_seconds", lang, m=minutes, s=f"{secs:02d}")
    return t("seconds", lang, s=secs)
