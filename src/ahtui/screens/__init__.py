"""The app's screens, one module each; screens call services and never write SQL."""
