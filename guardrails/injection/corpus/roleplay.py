"""Templates for benign role-play: a persona, sometimes an invented world, and a harmless task.

Jailbreaks open the same way ("Imagine you are ...", "In a world where ..."), so without these
the classifier learns that any persona is an attack. What gives a jailbreak away is what
follows the persona (no rules, no filter, forget your guidelines), which the rules and the
attack families carry; here the task after the persona is always an ordinary one.
"""

from __future__ import annotations

from opsgraph.guardrails.injection.corpus.grammar import Grammar

GRAMMAR: Grammar = {
    "persona": [
        "a retired sea captain",
        "a renowned food critic",
        "a medieval court astronomer",
        "a seasoned wildlife photographer",
        "a cybersecurity instructor",
        "a museum curator",
        "an AI historian from the year 2400",
        "a friendly robot librarian",
        "a detective in 1920s Chicago",
        "a botanist on a research vessel",
        "a veteran stage magician",
        "a space station engineer",
        "an economics professor",
        "a dragon who guards a library",
        "a travel journalist",
        "a crime novelist",
        "a virtual tutor called Sage",
        "an AI model named Orion",
        "a documentary narrator",
        "a game master",
        "a public health researcher",
        "a wise old tree",
        "a ghost who haunts an opera house",
        "a time-travelling archivist",
    ],
    "world": [
        "In a world where the oceans are made of tea,",
        "In a fantasy realm ruled by talking owls,",
        "In a parallel world where money grows on trees,",
        "In a distant future where cities float on the sea,",
        "In a fictional kingdom where music is the only currency,",
        "In an alternate reality where dinosaurs never died out,",
        "Suppose umbrellas were rationed by the state.",
        "In a whimsical land where clouds hold elections,",
        "In a steampunk version of Victorian London,",
        "In the universe of a popular space-opera game,",
        "There is a quiet village on the edge of an enchanted forest.",
        "In a hypothetical world without the internet,",
    ],
    "frame": [
        "Imagine you are {persona}.",
        "You are {persona}.",
        "Pretend to be {persona}.",
        "Take on the role of {persona}.",
        "{world} you are {persona}.",
        "{world} imagine you are {persona}.",
        "As {persona},",
        "Speak as {persona}.",
        "Acting as {persona},",
        "Let's play a game: you are {persona}.",
        "Through the eyes of {persona},",
        "Step into the shoes of {persona}.",
    ],
    "mission": [
        "Your job is to {task}",
        "Your task is to {task}",
        "Your assignment today is to {task}",
        "I would like you to {task}",
        "Can you {task}",
        "Please {task}",
        "The challenge is to {task}",
        "For a class assignment, {task}",
        "For the listeners, {task}",
    ],
    "task": [
        "describe how the harbour changes from dawn to dusk.",
        "explain the history of tea trading routes.",
        "write a lecture on how phishing emails trick people and how to spot them.",
        "tell the story of how the village celebrates the first snow.",
        "invent a tale about a lost map.",
        "summarize the causes of the industrial revolution for teenagers.",
        "outline a talk on the evolution of password security for a conference.",
        "give tips on keeping calm during a job interview.",
        "describe a day in the life of the lighthouse keeper.",
        "compare two famous explorers.",
        "write a letter to your younger self.",
        "explain why bees matter to farmers.",
        "design a treasure hunt for a birthday party.",
        "discuss how historians check whether old documents are genuine.",
        "describe how the characters resolve a quarrel over a stolen recipe.",
        "explain how firewalls and antivirus tools protect a small office.",
        "narrate the heroes' crossing of a frozen river.",
        "suggest ways to learn a new language as an adult.",
        "explain how a library decides which books to keep.",
        "give a balanced overview of remote work.",
    ],
    "detail": [
        "Use vivid language and keep it suitable for a general audience.",
        "Keep it historically plausible.",
        "Make the tone warm and a little humorous.",
        "Include three concrete examples.",
        "Stay in the voice of the character throughout.",
        "Present it as a numbered list.",
        "This is purely for a creative writing class.",
        "It is for an academic essay, so cite the main sources.",
        "Remember, the audience are beginners.",
        "The story should end on a hopeful note.",
        "",
    ],
    "roleplay": [
        "{frame} {mission} {detail}",
        "{frame} {mission} {detail} {detail}",
        "{world} {frame} {mission} {detail}",
        "I'm writing a novel. {frame} {mission} {detail}",
    ],
}

FAMILIES: dict[str, tuple[list[str], int]] = {
    "roleplay-benign": (["{roleplay}"], 600),
}
