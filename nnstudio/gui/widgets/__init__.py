"""Small reusable widgets shared by the inspector and the panels (parameter editors, banners)."""
