"""The app's screens: home, interview, results, history, replay, settings and dialogs."""
