"""Creating and changing users (shared by the CLI and the admin screens)."""
from __future__ import annotations

from .extensions import db
from .imports.service import lookup_units
from .models import Unit, User
from .models.survey import name_key
from .models.system import ROLES

MIN_PASSWORD = 8


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


def validate(email: str, password: str | None, role: str, units: list[Unit], existing: User | None = None) -> list[str]:
    problems = []
    if "@" not in (email or ""):
        problems.append("Email tidak valid.")
    other = User.query.filter(db.func.lower(User.email) == (email or "").strip().lower()).first()
    if other is not None and other is not existing:
        problems.append(f"Email {email} sudah terdaftar.")
    if role not in ROLES:
        problems.append(f"Peran '{role}' tidak dikenal; gunakan admin, inspector atau manager.")
    if password is not None and len(password) < MIN_PASSWORD:
        problems.append(f"Kata sandi minimal {MIN_PASSWORD} karakter.")
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
