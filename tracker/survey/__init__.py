"""SKM daring: the questionnaire online, its collection and what it adds up to."""
