"""Creating and changing users (shared by the CLI and the admin screens)."""
from __future__ import annotations

from .extensions import db
from .imports.service import lookup_units
from .models import Unit, User
from .models.survey import name_key
from .models.system import ROLES

MIN_PASSWORD = 10
# The most used passwords (public breach lists), in the forms people type them in Indonesia too.
COMMON_PASSWORDS = frozenset("""
password password1 password12 password123 passw0rd 1234567890 12345678910 0987654321
qwertyuiop qwerty1234 qwerty12345 1q2w3e4r5t 1qaz2wsx3edc abcdefghij abcd123456 iloveyou123
admin12345 administrator welcome123 letmein123 sayangku123 bismillah bismillah123 indonesia
indonesia123 jakarta123 merdeka1945 123123123123 1111111111 0000000000 aaaaaaaaaa katasandi
katasandi123 sandi12345 pemkot12345 pemerintah superadmin adminadmin passwordku
""".split())


class UserError(ValueError):
    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("; ".join(messages))


def resolve_unit_names(names: list[str]) -> tuple[list[Unit], list[str]]:
    """Units named by ``names`` (their own name or an alias), and the names not found."""
    keys = [name_key(n) for n in names if n.strip()]
    found = lookup_units(keys)
    missing = [n for n in names if n.strip() and name_key(n) not in found]
    units = [found[k] for k in dict.fromkeys(keys) if k in found]
    return list({u.id: u for u in units}.values()), missing


def email_problem(email: str) -> str | None:
    """The login form's own rule (email_validator, as WTForms' Email uses it): an address the
    login form refuses can never be created."""
    from email_validator import EmailNotValidError, validate_email
    try:
        validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError:
        return f"Email '{email}' tidak valid."
    return None


def password_problems(password: str, email: str) -> list[str]:
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"Kata sandi minimal {MIN_PASSWORD} karakter.")
    lowered = password.strip().lower()
    if lowered in COMMON_PASSWORDS:
        problems.append("Kata sandi ini termasuk yang paling sering dipakai; pilih yang lain.")
    address = (email or "").strip().lower()
    if address and (lowered == address or lowered == address.split("@")[0]):
        problems.append("Kata sandi tidak boleh sama dengan email.")
    return problems


def validate(email: str, password: str | None, role: str, units: list[Unit], existing: User | None = None) -> list[str]:
    problems = []
    bad_email = email_problem(email)
    if bad_email:
        problems.append(bad_email)
    other = User.query.filter(db.func.lower(User.email) == (email or "").strip().lower()).first()
    if other is not None and other is not existing:
        problems.append(f"Email {email} sudah terdaftar.")
    if role not in ROLES:
        problems.append(f"Peran '{role}' tidak dikenal; gunakan admin, inspector atau manager.")
    if password is not None:
        problems += password_problems(password, email)
    if role == "manager" and not units:
        problems.append("Pengelola unit harus memiliki paling sedikit satu unit.")
    return problems


def create_user(email: str, password: str, role: str, unit_names: list[str], name: str | None = None) -> User:
    units, missing = resolve_unit_names(unit_names)
    problems = [f"Unit '{n}' tidak dikenal." for n in missing]
    problems += validate(email, password, role, units)
    if problems:
        raise UserError(problems)
    user = User(email=email.strip().lower(), role=role, name=name,
                units=units if role == "manager" else [])
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user
