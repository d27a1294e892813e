"""Creating and changing users (shared by the CLI and the admin screens)."""
from __future__ import annotations

from .extensions import db
from .models import Unit, User
from .models.survey import name_key
from .models.system import ROLES

MIN_PASSWORD = 8


class UserError(ValueError):
    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("; ".join(messages))


def resolve_unit_names(names: list[str]) -> tuple[list[Unit], list[str]]:
    keys = [name_key(n) for n in names if n.strip()]
    found = {u.name_key: u for u in Unit.query.filter(Unit.name_key.in_(keys)).all()} if keys else {}
    missing = [n for n in names if n.strip() and name_key(n) not in found]
    return [found[k] for k in dict.fromkeys(keys) if k in found], missing


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
