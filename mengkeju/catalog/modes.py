"""Transfer / cooperation modes: national legal categories (not regional data), seeded by migration."""

MODES = [
    ("transfer", "技术转让", "Technology transfer"),
    ("license_ordinary", "普通许可", "Ordinary licence"),
    ("license_sole", "排他许可", "Sole licence"),
    ("license_exclusive", "独占许可", "Exclusive licence"),
    ("open_license", "开放许可", "Open licence"),
    ("use_first_pay_later", "先使用后付费", "Use first, pay later"),
    ("equity", "作价入股", "Equity contribution"),
    ("joint_development", "合作开发", "Cooperative development"),
    ("commissioned_development", "委托开发", "Commissioned development"),
    ("consulting_service", "技术咨询/服务", "Technical consulting / service"),
    ("other", "其他", "Other"),
]


def seed_modes(mode_model) -> None:
    """Create or refresh the modes; takes the model so migrations can pass their historical one."""
    for position, (code, name, name_en) in enumerate(MODES):
        mode_model.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "position": position}
        )
