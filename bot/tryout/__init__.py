"""Trying sevbot without Slack: the Slack Web API emulator (`emulator/`, also what the tests meet), the scripted
demo (`sevbot demo`) and the browser sandbox (`sevbot sandbox`), which drive the same bot as `sevbot serve`."""
