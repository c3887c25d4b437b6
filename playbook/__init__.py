"""Crisis-response playbook engine: events in, verified step-by-step workflows out."""

__version__ = "0.1.0"
