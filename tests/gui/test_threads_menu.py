"""Train → Threads: automatic by default, a fixed count remembered and given to the run."""

from __future__ import annotations


def test_the_thread_choice_is_remembered_and_given_to_the_next_run(open_window):
    window = open_window(size=(1280, 800))
    window.start()
    actions = window.threads_menu.actions()
    assert actions[0].isChecked()  # automatic by default
    assert actions[0].text().startswith("Automatic")
    assert actions[1].text() == "1 thread"
    window._configure_watch()
    assert window.controller.watch.threads is None

    actions[1].trigger()
    assert window.settings.training_threads() == 1
    window._configure_watch()
    assert window.controller.watch.threads == 1

    again = open_window(size=(1280, 800))  # the same settings file: a relaunch
    again.start()
    assert again.threads_menu.actions()[1].isChecked()
    actions[0].trigger()
    assert window.settings.training_threads() is None
