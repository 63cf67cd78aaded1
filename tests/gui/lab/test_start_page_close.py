"""Closing the window never leaves the start page behind (it would keep the app running)."""

from __future__ import annotations


def test_closing_the_window_closes_an_open_start_page(open_window):
    window = open_window(size=(1280, 800))
    window.start()
    window.show_start_page()
    page = window.start_page
    assert page.isVisible()
    window.document.mark_saved()
    assert window.close()
    assert not page.isVisible()


def test_a_start_page_due_after_the_window_closed_is_not_shown(open_window):
    window = open_window(size=(1280, 800))
    window.start()
    window.document.mark_saved()
    assert window.close()
    window.show_start_page()
    assert window.start_page is None or not window.start_page.isVisible()
