"""Widgets the screens share: transcript, level meter, metrics, competencies, STAR, charts."""
