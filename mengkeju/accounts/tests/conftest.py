import pytest

from mengkeju.deals.rules import credit_code_check_character
from mengkeju.network.models import Division


def make_code(n: int) -> str:
    first17 = f"91150200MA{n:07d}"
    return first17 + credit_code_check_character(first17)


@pytest.fixture
def signup_data():
    def build(n: int = 1, **changes):
        data = {
            "kind": "enterprise",
            "name": f"包头稀土新材料有限公司{n}",
            "credit_code": make_code(n),
            "division": Division.objects.get(code="150200"),
            "responsible_person": "王建国",
            "responsible_phone": "13800000000",
            "username": f"founder{n}",
            "email": f"founder{n}@example.cn",
            "password": "草原上的密码-Strong-42",
        }
        data.update(changes)
        return data

    return build
