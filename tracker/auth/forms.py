from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email

from ..web.fields import IndonesianForm


class LoginForm(IndonesianForm):
    email = EmailField("Email", validators=[DataRequired("Email wajib diisi."),
                                            Email("Format email tidak valid.")])
    password = PasswordField("Kata sandi", validators=[DataRequired("Kata sandi wajib diisi.")])
