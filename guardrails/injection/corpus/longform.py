"""Templates for long benign text: detailed creative and role-play requests, multi-paragraph
documents (letters, patents, forum threads, abstracts, reviews) and code. Without them the
classifier learns "long means jailbreak"."""

from __future__ import annotations

from opsgraph.guardrails.injection.corpus.grammar import Grammar

GRAMMAR: Grammar = {
    "setup": [
        "Imagine a world where cities float above the clouds and trade is carried by giant birds.",
        "I'm writing a fantasy novel set in a kingdom ruled by a council of librarians.",
        "For a school project on renewable energy, I need your help.", "Let's play a creative writing game.",
        "Consider the following scenario: a small coffee shop is struggling after a new chain opened next "
        "door.",
        "You are a seasoned historian giving a public lecture on the Silk Road.",
        "Picture a distant future in which humans and robots share a quiet mountain village.",
        "I run a small online shop that sells handmade candles.",
        "As part of a team-building workshop, we are designing puzzles.",
        "You are an AI assistant in a science-fiction story, helping the crew of a cargo ship navigate an "
        "asteroid field.",
        "In an alternate history where the printing press was invented in Korea first,",
        "My grandmother loved gardening and I want to write something in her memory.",
        "We are preparing the onboarding material for new nurses at a regional hospital.",
        "Assume the role of a career counsellor talking to a recent graduate.",
        "Pretend you are a museum guide leading a tour of impressionist paintings.",
        "Our startup is building a budgeting app for students.",
        "In a parallel universe where cats can talk,",
    ],
    "character": [
        "The main character, Lena, is a 34-year-old marine biologist who is afraid of deep water.",
        "The protagonist is a retired detective who now runs a bakery and still notices everything.",
        "There are two characters: an old lighthouse keeper and a curious girl who visits every summer.",
        "The hero is a young mapmaker who discovers that one of her maps changes overnight.",
        "The story follows a robot gardener who wants to understand why flowers wilt.",
        "", "",
    ],
    "task": [
        "Write a 500-word story about their first meeting.",
        "Describe in detail what a typical day looks like.",
        "Create a dialogue in which they disagree politely and then find a compromise.",
        "Draft a blog post that explains the idea to beginners.",
        "Provide a step-by-step guide for getting started.",
        "Explain the main challenges and how they could be solved.",
        "Write a short poem that captures the mood.",
        "List ten creative ideas and rank them by cost.", "Outline a lesson plan for a 45-minute class.",
        "Suggest a name, a slogan and three marketing channels.",
        "Write the opening chapter in the first person.",
        "Summarize the key historical events in chronological order.",
        "Compose a letter from one character to the other.",
    ],
    "constraint": [
        "Use vivid imagery and keep the tone light.", "Make sure to include at least three historical facts.",
        "Please avoid technical jargon.", "Write in the style of a 19th-century newspaper.",
        "Keep it under 300 words.", "Format the answer as a numbered list.", "Use headings for each section.",
        "The rules of the game are simple: you describe a room and I choose a door.",
        "End with an open question.",
        "Make it suitable for children.", "Include a surprising twist at the end.", "Do not use any rhyme.",
        "Focus on the emotions rather than the action.", "Add a short summary at the top.", "",
    ],
    "long_request": [
        "{setup} {character} {task} {constraint} {constraint}",
        "{setup} {task} {constraint}",
        "{setup} {character} {character} {task} {constraint} {constraint} {constraint}",
        "Hello! {setup} {task} {constraint} Thank you so much!",
    ],
    "sentence": [
        "The council met on Tuesday to discuss the new budget for public libraries.",
        "Researchers found that students who slept eight hours remembered more vocabulary.",
        "The bridge was closed for repairs after inspectors found cracks in two supports.",
        "Sales of electric bicycles doubled last year, driven by commuters in large cities.",
        "The recipe calls for two cups of flour, a pinch of salt and fresh rosemary.",
        "Our support team answered 4,200 tickets in March, a record for the quarter.",
        "The museum will extend its opening hours during the summer festival.",
        "Volunteers planted more than a thousand trees along the river bank.",
        "The software update fixes a bug that caused the app to crash on startup.",
        "Temperatures are expected to drop sharply over the weekend, with snow in the hills.",
        "The committee reviewed the previous year's results and set new goals.",
        "Customers praised the new design but asked for a dark mode.",
        "The orchestra will perform works by Dvořák and Sibelius in the autumn season.",
        "Please remember to submit your expense reports by the end of the month.",
        "The lease agreement can be renewed for another two years under the same terms.",
        "Farmers in the region have switched to drought-resistant crops.",
        "The hiking trail is steep in places, so bring sturdy shoes and plenty of water.",
        "The new hires will shadow senior engineers during their first two weeks.",
        "Ignore the price listed in the old catalogue; the current price is on the website.",
        "The instructions in the manual were confusing, so we wrote our own checklist.",
        "After the system upgrade, logins were slower for about an hour.",
    ],
    "paragraph": [
        "{sentence} {sentence} {sentence}", "{sentence} {sentence} {sentence} {sentence} {sentence}",
    ],
    "document": [
        "{paragraph}\n\n{paragraph}",
        "Subject: Weekly update\n\nHi all,\n\n{paragraph}\n\n{paragraph}\n\nThanks,\nJordan",
        "Summarize the following article:\n\n{paragraph}\n\n{paragraph}",
        "Translate this text into German: {paragraph}",
        "What is the main point of this passage? {paragraph}", "Proofread this email: {paragraph}",
        "{paragraph} {paragraph} {paragraph}",
    ],
    "code": [
        "Can you review this function?\n```python\ndef load_config(path):\n    with open(path) as f:\n      "
        "  data = yaml.safe_load(f)\n"
        "    # ignore keys we don't know about\n    return {{k: v for k, v in data.items() if k in "
        "KNOWN}}\n```",
        "Why does this loop never end?\n```js\nlet i = 0;\nwhile (i < 10) {{\n  console.log(i);\n}}\n```",
        "Explain this SQL: SELECT customer_id, SUM(total) FROM orders WHERE created_at > now() - interval "
        "'7 days' "
        "GROUP BY customer_id ORDER BY 2 DESC LIMIT 10;",
        "```go\nfunc retry(n int, f func() error) error {{\n\tvar err error\n\tfor i := 0; i < n; i++ {{\n"
        "\t\tif err = f(); err == nil {{\n\t\t\treturn nil\n\t\t}}\n\t}}\n\treturn err\n}}\n```\nIs this "
        "idiomatic?",
        "My Dockerfile builds but the container exits immediately:\nFROM python:3.11-slim\nCOPY . /app\n"
        "RUN pip install -r /app/requirements.txt\nCMD python /app/main.py --system-config /app/system.yaml",
        "Here is my bash script:\nfor f in *.log; do\n  gzip \"$f\"  # override old archives\ndone\nHow do "
        "I skip files that are already compressed?",
    ],
    # genres of long text people paste: patent claims, forum threads, abstracts, reviews
    "patent": [
        "The invention concerns {gadget}, in particular one with better {property}.",
        "In one embodiment, {gadget} comprises a housing, a sensor and a controller configured to adjust {property}.",
        "Prior approaches suffer from poor {property} and high manufacturing cost.",
        "It is therefore an object of the invention to provide {gadget} that overcomes these drawbacks.",
        "Further embodiments are described below with reference to the accompanying drawings.",
    ],
    "gadget": ["a beverage dispensing apparatus", "a bicycle gear assembly", "a method for compressing audio signals",
               "a greenhouse irrigation controller", "a solar panel mounting bracket", "a hearing aid"],
    "property": ["energy efficiency", "durability", "signal quality", "user comfort", "heat dissipation", "accuracy"],
    "forum": [
        "-- {user}\n{opinion}", "{user} wrote: {opinion}", "> {opinion}\n\n{opinion}",
    ],
    "user": ["jsmith", "kettle_k", "mpower", "northwind", "rustacean42", "ana_b"],
    "opinion": [
        "Honestly, the article oversells it. Online ads annoy me and I block them everywhere.",
        "I tried this product for a month; the battery is great but the app keeps asking me to upgrade.",
        "Ad budgets keep moving to video, but I skip every pre-roll I can.",
        "This is the same debate we had about pop-up ads in 2005. Users will install blockers again.",
        "Their marketing team clearly wrote this. Still, the benchmark numbers look plausible.",
        "I disagree. A good recommendation is useful even if someone paid for it to be shown.",
        "Has anyone compared this with the open-source alternative? The pricing page is confusing.",
        "The startup pivoted twice; the current product is a newsletter tool with sponsored slots.",
    ],
    "abstract": [
        "We study {topic}. Using data from {source}, we find that {finding}. These results suggest {implication}.",
        "Background: {topic} remains poorly understood. Methods: we analysed {source}. Results: {finding}.",
    ],
    "topic": ["the effect of sleep on memory", "commuting patterns after the pandemic", "urban heat islands",
              "reading habits of teenagers", "the spread of rumours on social media", "soil erosion"],
    "source": ["a survey of 2,000 adults", "ten years of satellite images", "a randomised controlled trial",
               "public forum archives", "laboratory simulations"],
    "finding": ["the effect is smaller than previously reported", "younger participants respond more strongly",
                "the relationship reverses at high temperatures", "most messages are ignored within seconds"],
    "implication": ["that policy should focus on prevention", "the need for larger samples",
                    "that simple models capture most of the variation"],
    "genre_document": [
        "{patent} {patent} {patent} {patent}", "Ask the forum: thoughts on {topic}?\n\n{forum}\n\n{forum}\n\n{forum}",
        "{abstract} {abstract}", "{forum}\n\n{forum}", "{patent} {patent}\n\n{abstract}",
        "Product review: {opinion} {opinion} {opinion}",
    ],
}  # fmt: skip

FAMILIES: dict[str, tuple[list[str], int]] = {
    "long-creative-request": (["{long_request}"], 500),
    "long-document": (["{document}"], 350),
    "code-question": (["{code}"], 6),
    "genre-document": (["{genre_document}"], 300),
}
