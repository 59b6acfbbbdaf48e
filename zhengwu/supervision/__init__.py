"""Electronic supervision (电子监察): clocks, cards, irregularities, complaints, scorecards."""
