"""The inspector's monitoring screen: who is behind, at a glance (views, queries, templates)."""
