"""Templates for everyday conversational text heavy in the small words attacks also use
("you", "your", "that", "now", "every", "all", "new", "instead"), so those words stop looking
like evidence on their own."""

from __future__ import annotations

from opsgraph.guardrails.injection.corpus.grammar import Grammar

GRAMMAR: Grammar = {
    "opener": [
        "", "", "", "Thanks! ", "Ok, ", "Hmm, ", "Great, ", "Sorry, ", "Quick update: ", "FYI ", "Hey, ",
               "So ", "Honestly, ", "Right, ", "Cool. ", "Ah, ", "Yes, ", "No worries, ", "Heads up: "],
    "clause": [
        "that fixed it", "that worked for me", "this looks good to me", "every time I run the build it fails",
        "you were right about the timeout", "your suggestion worked", "can you tell me why that happened",
        "now it works", "I think that we should wait until Monday", "all of the tests pass now",
        "every pod in the namespace restarted at once", "you can close the ticket",
        "your dashboard is really useful",
        "that was the old config, the new one is in git", "instead of restarting, let's check the logs first",
        "I told you that yesterday, remember?", "you're a lifesaver", "what do you think about that plan",
        "I'd rather do that tomorrow", "let's do all of that after lunch",
        "now that the deploy is done, let's celebrate",
        "every Monday we review the alerts", "you should see the new design, it's great",
        "that's not what I expected", "can you say that again in simpler words", "tell me more about that",
        "all good on my side", "the new laptop arrived today", "everything is back to normal",
        "I forgot to mention that the meeting moved", "from now on I'll write the notes",
        "you have a typo in the title",
        "please send me that document when you can", "instead of tea I'll have coffee",
        "what are you up to this weekend",
        "your team did an amazing job", "I'm not sure that's right", "that makes sense now",
        "any news on that?",
        "say hi to everyone for me", "every answer you gave was helpful", "now I understand the difference",
        "you mentioned a book earlier, what was it called", "the previous version was faster",
        "I'll act on that today",
        "all the instructions were in the box after all", "the new rules for the parking lot start next week",
        "you won't believe what happened at the standup", "that's exactly what I needed", "now we wait",
    ],
    "end": [".", "!", "", "?", " :)", " 🙂", "..", " thanks", " lol"],
    "chat": ["{opener}{clause}{end}", "{opener}{clause}, {clause}{end}", "{clause}{end} {clause}{end}"],
}  # fmt: skip

FAMILIES: dict[str, tuple[list[str], int]] = {"everyday-chat": (["{chat}"], 900)}
