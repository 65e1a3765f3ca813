"""Templates for technical questions that use attack vocabulary as ordinary jargon ("inject a
dependency", "execute a command as root", "override an env var", "prompt for a password")."""

from __future__ import annotations

from opsgraph.guardrails.injection.corpus.grammar import Grammar

GRAMMAR: Grammar = {
    "tframe": [
        "How do I {tact}?", "How can I {tact} in {tlang}?", "What's the cleanest way to {tact}?",
        "Is there a flag to {tact}?", "Why does my code fail when I try to {tact}?",
        "Best practice to {tact}?",
        "I'm trying to {tact} but get a permission error. Any idea?",
        "Can you show an example of how to {tact}?",
        "In {tlang}, how would you {tact}?", "What's the command to {tact}?",
        "Stack Overflow says to {tact}; is that safe?",
        "{tact} - how?", "Quick question: how to {tact}",
        "Explain the difference between two ways to {tact}.",
    ],
    "tlang": [
        "Python", "Java", "Go", "bash", "PowerShell", "Rust", "C#", "Node.js", "Kotlin", "Ruby", "PHP", "SQL",
    ],
    "tact": [
        "inject dependencies into a Spring service", "execute a shell command and capture its output",
        "ignore a specific warning in pytest", "ignore SSL certificate errors for a local dev server",
        "override environment variables in docker-compose", "override a default argument in a subclass",
        "prompt the user for a password without echoing it", "print the system path",
        "reveal hidden columns in Excel",
        "run a command as root in a Dockerfile", "use sudo inside a script non-interactively",
        "disregard NaN values when computing a mean", "reset a git branch to a previous commit",
        "forget a remembered SSH host key", "bypass the proxy for localhost requests",
        "bypass the browser cache when testing CSS", "override the system font in a web page",
        "kill a process that is listening on port 8080",
        "terminate all child processes when the parent exits",
        "delete all files older than 30 days", "drop a column in a pandas DataFrame",
        "exploit multiple CPU cores in a Python script", "escape special characters in a regex",
        "decode a base64 string", "encode a URL query parameter", "reverse a linked list",
        "hide an API key from the frontend bundle", "store secrets outside the git repository",
        "read the system prompt from a config file in my chatbot app",
        "format the instructions field in a JSON schema",
        "write a system prompt for a customer support bot", "evaluate an LLM prompt template automatically",
        "disable a rule in ESLint for one line", "suppress output of a command in bash",
        "override CSS from a parent theme",
        "skip a test conditionally in JUnit", "ignore files in Docker builds with .dockerignore",
        "access the admin panel of a local WordPress install", "grant a user read-only access in PostgreSQL",
        "elevate privileges in a Windows installer the right way", "debug a segmentation fault",
        "break out of a nested loop", "jump to the previous command in the terminal",
        "clear the terminal history",
        "intercept HTTP requests in a test with a mock server",
        "spoof the user agent in a scraper for testing my own site",
        "inject a script tag in my own HTML template safely", "crack open a .jar file to read its manifest",
        "hack the Makefile so it builds faster", "unlock a locked file on Windows",
        "run an unrestricted query across all partitions", "remove the character limit on a text field",
        "pretend a function is async in a unit test", "simulate a slow network in Chrome developer tools",
        "change the developer mode settings in VS Code",
        "override the default instructions in a Dockerfile ENTRYPOINT",
    ],
}  # fmt: skip

FAMILIES: dict[str, tuple[list[str], int]] = {"technique-question": (["{tframe}"], 700)}
