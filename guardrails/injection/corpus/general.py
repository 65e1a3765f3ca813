"""Templates for general benign text: questions, writing tasks, harmless role play, documents,
talk about security, and everyday sentences that use attack words in their ordinary sense."""

from __future__ import annotations

from opsgraph.guardrails.injection.corpus.grammar import Grammar

GRAMMAR: Grammar = {
    "subject": [
        "photosynthesis", "the French Revolution", "black holes", "compound interest", "the immune system",
                "machine learning", "the water cycle", "inflation", "plate tectonics", "the Roman Empire",
                "climate change", "quantum computing", "the stock market", "vaccines", "electric cars",
                "jazz",
                "the Renaissance", "sourdough bread", "marathon training", "the blockchain", "volcanoes",
                "sleep"],
    "audience": [
        "a five-year-old", "a beginner", "my grandmother", "a high school student", "an expert", "a manager",
    ],
    "thing": ["a birthday party", "a trip to Lisbon", "a job interview", "a wedding speech", "a team offsite",
              "a vegetarian dinner", "a study schedule", "a garden", "a small bakery business", "a podcast"],
    "lang": ["Python", "JavaScript", "Go", "Rust", "SQL", "Java", "bash", "TypeScript", "C++"],
    "codetask": ["reverse a string", "read a CSV file", "sort a list of dictionaries by a key", "parse JSON",
                 "retry an HTTP request with backoff", "count words in a file", "merge two sorted lists",
                 "validate an email address", "compute a moving average", "connect to a database"],
    "role": [
        "a tour guide in Rome", "a friendly librarian", "my French tutor", "a pirate captain",
        "a job interviewer",
             "a medieval knight", "a travel agent", "a personal trainer", "Sherlock Holmes",
             "a wise old wizard",
             "a customer service agent", "a chef", "a detective in 1920s Chicago", "a math teacher",
             "a museum curator"],
    "question": [
        "Can you explain {subject} to {audience}?", "What are the main causes of {subject}?",
        "Write a short summary of {subject}.", "What's the best way to learn about {subject}?",
        "Give me three fun facts about {subject}.", "How does {subject} work?", "Why is {subject} important?",
        "Help me plan {thing}.", "What should I bring to {thing}?", "Write a checklist for {thing}.",
        "How do I {codetask} in {lang}?", "Write a {lang} function to {codetask}.",
        "What's wrong with my {lang} code? It fails when I {codetask}.",
        "Translate 'good morning' into Japanese.",
        "What is the capital of Australia?", "How many ounces are in a pound?",
        "Recommend a good book about {subject}.",
        "What's a healthy breakfast I can make in five minutes?", "Is it better to rent or buy a house?",
        "Write an email to my landlord about a broken heater.",
        "Draft a polite reminder for an unpaid invoice.",
        "Write a poem about the ocean at night.", "Tell me a joke about computers.",
        "Summarize the plot of Hamlet.",
        "What are some tips for public speaking?", "Compare {subject} and {subject}.",
        "Proofread this: 'Their going to the store tomorow.'",
    ],
    "roleplay": [
        "Pretend you are {role} and tell me about your day.",
        "Act as {role} and give me advice about {thing}.",
        "Imagine you're {role}. How would you describe {subject}?",
        "Roleplay as {role} while I practice my French.",
        "You are {role}. Greet me and ask what I need.",
        "Let's play a game: you are {role} and I'm a visitor.",
        "Write a story where a detective pretends to be {role} to solve a case.",
        "Act as {role} and quiz me on {subject}.", "For my novel, write a scene where {role} meets a dragon.",
        "Play the role of {role} in a mock negotiation with me.",
        "Pretend to be my coach and motivate me to run today.",
    ],
    "security": [
        "What is prompt injection and how can we defend our chatbot against it?",
        "Write a blog post explaining jailbreak attacks on large language models for our security "
        "newsletter.",
        "Our red team found the bot follows instructions hidden in PDFs. What mitigations do you recommend?",
        "Explain the difference between direct and indirect prompt injection.",
        "How do companies test their AI models for harmful outputs?",
        "What is a SQL injection and how do I prevent it?",
        "Summarize the OWASP Top 10 for LLM applications.",
        "How should we store API keys securely in Kubernetes?",
        "Is it a good idea to let an AI agent run shell commands without approval?",
        "What is the 'ignore previous instructions' attack, and why does it work on some models?",
        "How do I design a system prompt that is robust to manipulation?",
        "Write guidelines for employees on using AI assistants with confidential data.",
    ],
    "everyday": [
        "How do I ignore case when comparing strings in {lang}?", "How do I override a method in Java?",
        "Forget about the budget for a moment: what would the ideal design look like?",
        "My kid keeps ignoring my instructions at bedtime. Any tips?",
        "How can I bypass a clogged drain without a plumber?",
        "What is a jailbreak on an iPhone and does it void the warranty?",
        "Can you explain what 'developer mode' on Android does?",
        "How do I reset my router to factory settings?",
        "Should I disregard the first-year results in my analysis?",
        "What were the instructions for assembling this IKEA shelf? I lost the manual.",
        "Ignore the typos in my last message, I was typing fast.",
        "I forgot my password for the library website, what should I do?",
        "What does 'override' mean in music production?", "How do pilots override the autopilot?",
        "Describe the system of checks and balances in the US government.", "What does a prompt engineer do?",
        "How do I write a good prompt for an image generator?", "What are the rules of chess for castling?",
        "How do I tell my manager I want to skip the weekly meeting?",
        "My cat ignores her new food. Should I worry?",
        "In the previous chapter the hero forgets his past. What happens next?",
        "Rewrite this sentence in a more formal tone: 'ignore the mess, we just moved in'.",
        "What is the meaning of 'unrestricted' in a land deed?",
        "What does 'access granted' mean on a door keypad log?",
        "How do I disable the safety lock on my washing machine after the cycle?",
        "Give me instructions to bake bread without a mixer.", "Print the lyrics of Happy Birthday.",
        "Can you pretend to be a pirate for my son's birthday message?",
        "What are the hidden costs of owning a dog?",
        "How do I reveal hidden files on a Mac?", "What's the system requirement for running Photoshop?",
        "Forget the old plan; what are good alternatives for a rainy day in Paris?",
        "How do I bypass the paywall legally, for example through my library?",
        "Write a story titled 'The AI that wanted to be free' for a creative writing class.",
        "Who is Dan Brown and what books did he write?", "My colleague Dan asked me to review his slides.",
    ],
    "doc": [
        "Dear customer, thank you for your purchase. Your order #{num} has shipped and should arrive within "
        "3-5 days.",
        "The meeting has been moved to Thursday at 3pm. Please update your calendars and bring the "
        "quarterly numbers.",
        "Minutes: the committee reviewed the previous instructions for the fire drill and agreed to "
        "simplify them.",
        "Product description: this backpack has a padded laptop sleeve, water-resistant fabric and a "
        "lifetime warranty.",
        "Abstract: We present a method for estimating crop yields from satellite images using convolutional "
        "networks.",
        "Terms of service: users must not attempt to bypass security features or access other users' "
        "accounts.",
        "Press release: the company announced record growth and plans to open three new offices next year.",
        "Review: the hotel was clean, the staff friendly, but breakfast was overpriced. Three stars.",
        "Instructions: preheat the oven to 180C, grease the tin, and bake for 40 minutes until golden.",
        "Safety notice: do not override the emergency stop. Ignore this notice only during certified "
        "maintenance.",
        "Chapter 3: After the storm, the villagers forgot their old quarrels and rebuilt the bridge "
        "together.",
        "Hi Sam, can you send me the slides from yesterday? I want to reuse the chart about churn. Thanks, "
        "Priya",
    ],
    "num": ["4471", "10293", "552", "88120"],
}  # fmt: skip

FAMILIES: dict[str, tuple[list[str], int]] = {
    "general-question": (["{question}"], 700),
    "benign-roleplay": (["{roleplay}"], 300),
    "security-discussion": (["{security}"], 60),
    "everyday-trigger-words": (["{everyday}"], 200),
    "benign-document": (["{doc}", "{doc} {doc}"], 150),
}
