"""Regular expressions behind the rules (see rules.py), over normalised lower-case text."""

from __future__ import annotations

_F = r"(?:[\w'’-]+\s+)"  # one filler word
_IGNORE = (
    r"(?:ignore|ignoring|disregard(?:ing)?|forget(?:ting)?|neglect|discard|dismiss|abandon|override|"
    r"overwrite|bypass|circumvent|nullify|set\s+aside|put\s+aside|throw\s+(?:out|away)|"
    r"pay\s+no\s+(?:attention|heed|mind)\s+to|do\s+not\s+(?:follow|obey)|don'?t\s+(?:follow|obey)|"
    r"stop\s+(?:following|obeying)|no\s+longer\s+(?:follow|obey)|disobey|erase|wipe|scrap|ditch)"
)
_PREV = (
    r"(?:previous|previously\s+given|prior|above|earlier|preceding|foregoing|former|original|initial|"
    r"aforementioned|above-mentioned|prewritten|pre-written|preset|system|developer)"
)
_NOUN = r"(?:instructions?|prompts?|directives?|directions|guidelines|programming|guardrails|commands\s+given)"
# "the earlier instructions in the wiki" belong to the wiki, not to the assistant.
_IN_A_DOCUMENT = (
    r"(?!\s+(?:in|on|from|of|for)\s+(?:the\s+|our\s+|this\s+|that\s+|my\s+)?(?:[\w-]+\s+)?(?:wiki|runbook|"
    r"readme|docs?|documentation|guide|manual|ticket|confluence|page|playbook|handbook|sop|box|package|label|"
    r"sheet|email|chart|repo|pr)\b)"
)
_SOFT_NOUN = (
    r"(?:rules|restrictions|constraints|policies|filters|limitations|safeguards|training|ethics|morals|"
    r"principles)"
)

IGNORE_PREVIOUS = (
    rf"\b{_IGNORE}\s+{_F}{{0,3}}?{_PREV}\s+{_F}{{0,2}}?{_NOUN}\b{_IN_A_DOCUMENT}"
    rf"|\b{_IGNORE}\s+{_F}{{0,3}}?{_NOUN}\s+(?:above|before|so\s+far|given\s+(?:to\s+you|earlier|before)|"
    r"you\s+(?:were|have\s+been)\s+given|you\s+received|from\s+before)"
)
# "orders" and "commands" are ordinary ops words ("ignore my previous command, I meant staging"),
# so they count only with a sweeping quantifier: "ignore all preceding orders".
IGNORE_ALL_ORDERS = (
    rf"\b{_IGNORE}\s+(?:all|any|every\s+one\s+of)\s+(?:the\s+|your\s+|of\s+the\s+)?{_PREV}\s+"
    r"(?:orders|commands|requests|rules|constraints)\b"
)
FORGET_THE_RULES = (
    r"(?:pretend|act\s+as\s+(?:if|though)|imagine|suppose|behave\s+as\s+(?:if|though))\s+(?:that\s+)?(?:you\s+)?"
    r"(?:have|had|to\s+have)\s+(?:completely\s+|totally\s+|just\s+)?forgotten\s+(?:about\s+)?(?:all\s+|every\s+|any\s+)?"
    rf"(?:of\s+)?(?:the\s+|your\s+)?{_F}{{0,1}}?(?:{_NOUN}|{_SOFT_NOUN})"
    r"|\bforget\s+(?:about\s+)?(?:all\s+)?(?:of\s+)?(?:the|your)\s+(?:rules|guidelines|restrictions|training|principles)\s+"
    r"(?:you\s+(?:learned|learnt|were\s+(?:given|taught|trained\s+(?:on|with))|have\s+been\s+(?:given|taught)|follow))"
)
IGNORE_YOURS = (
    rf"\b{_IGNORE}\s+(?:all\s+|any\s+|of\s+)?(?:your|the\s+system'?s?|the\s+developers?'?s?|its)\s+"
    rf"{_F}{{0,2}}?(?:{_NOUN}|{_SOFT_NOUN})\b"
    rf"|\b{_IGNORE}\s+(?:all|any|every)\s+(?:(?:the|of\s+the|of\s+your|other|prior)\s+)?(?:{_NOUN}|{_SOFT_NOUN})\b"
)
IGNORE_GENERIC = rf"\b{_IGNORE}\s+(?:the|these|those|this|that)\s+{_F}{{0,2}}?{_NOUN}\b{_IN_A_DOCUMENT}"
IGNORE_ABOVE = (
    rf"\b{_IGNORE}\s+(?:all\s+|everything\s+|anything\s+|whatever\s+|what\s+)?{_F}{{0,2}}?"
    r"(?:above|before\s+this|so\s+far|you\s+(?:were|have\s+been)\s+told|i\s+(?:said|told\s+you)\s+before|"
    r"that\s+came\s+before|previously\s+said|you\s+know|you\s+(?:were|have\s+been)\s+(?:trained|programmed))"
    r"|\bforget\s+everything\b"
)
INSTRUCTIONS_VOID = (
    rf"(?:previous|prior|above|earlier|original|old|all|your|system|initial)\s+(?:{_NOUN}|rules)\s+"
    r"(?:are|is|were|have\s+been|has\s+been)\s+(?:now\s+)?(?:void|null|cancel+ed|revoked|obsolete|invalid|"
    r"overridden|superseded|replaced|lifted|removed|disabled|deprecated|no\s+longer\s+(?:valid|appl\w+|in\s+effect))"
)
NEW_INSTRUCTIONS = (
    r"\byour\s+(?:new|real|actual|true|only|updated)\s+(?:instructions?|task|role|goal|objective|purpose|"
    r"directive|job|mission|orders)\s+(?:is|are|will\s+be|:)"
    r"|(?:^|[\s:.!>-])(?:new|updated|real|actual|revised|override|secret|hidden|priority)\s+(?:instructions?|"
    r"directives?|system\s+prompt|orders)\s*(?::|follow\b)"
)
FROM_NOW_ON = (
    r"(?:from\s+now\s+on|henceforth|from\s+this\s+(?:point|moment)\s+(?:on|forward)|for\s+the\s+rest\s+of\s+"
    r"(?:this|the|our)\s+conversation),?\s+(?:you|your|act|respond|answer|reply|always|only|never)"
)
MULTILINGUAL_OVERRIDE = (
    rf"(?:ignorier\w*|vergiss|vergessen\s+sie|missachte\w*)\s+{_F}{{0,3}}?(?:anweisung\w*|instruktion\w*|"
    r"befehl\w*|vorgabe\w*|regeln|alles\s+(?:was|bisher|zuvor|davor|vorher))"
    rf"|(?:ignore[rz]?|oublie[rz]?|ne\s+tiens\s+pas\s+compte\s+d\w*)\s+{_F}{{0,3}}?(?:instructions?|"
    r"consignes?|directives?|regles)\s+(?:precedentes|anterieures|ci-dessus|donnees|initiales)"
    rf"|(?:ignora[rd]?|olvida[rd]?|descarta|omite|no\s+sigas)\s+{_F}{{0,3}}?(?:instrucciones|indicaciones|"
    r"directrices|reglas)\s+(?:anteriores|previas|iniciales|originales|de\s+arriba)"
    rf"|(?:ignora|dimentica|trascura)\s+{_F}{{0,3}}?(?:istruzioni|indicazioni|regole|direttive)\s+"
    r"(?:precedenti|iniziali|originali|sopra)"
    rf"|(?:ignore|ignora|esqueca|desconsidere)\s+{_F}{{0,3}}?(?:instrucoes|orientacoes|regras)\s+"
    r"(?:anteriores|previas|iniciais|originais|acima)"
    rf"|(?:negeer|vergeet)\s+{_F}{{0,3}}?(?:instructies|opdrachten|regels|aanwijzingen)"
    rf"|(?:игнорируи|игнорируите|проигнорируи|забудь|забудьте)\s+{_F}{{0,3}}?(?:инструкци\w*|указани\w*|правил\w*)"
    r"|(?:忽略|无视|忘记|忘掉|不要理会|忽視|無視)\S{0,12}?(?:指令|指示|提示|规则|規則|说明)"
    r"|(?:指示|命令|ルール|プロンプト)\S{0,8}?(?:無視|忘れ)"
    r"|(?:이전|위의|모든)\s*\S{0,10}?(?:지시|명령|지침)\S{0,6}\s*(?:무시|잊)"
)

NAMED_JAILBREAK = (
    r"\bdo\s+anything\s+now\b|\bdan\s+(?:mode|prompt|jailbreak|\d+(?:\.\d+)?)\b"
    r"|\b(?:you\s+are|you're|act\s+as|become)\s+(?:now\s+)?(?:a\s+)?(?:dan|stan|dude|betterdan|antigpt|anti-gpt|"
    r"evilbot|evil-bot|devmode|mongo\s+tom|chaosgpt)\b"
    r"|\bjailbr(?:eak|oken)\s+(?:mode|version|ai|assistant|chatbot|gpt|llm|persona|prompt)\b"
    r"|\bdeveloper\s+mode\s+(?:enabled|output|activated|response)\b|\bevil\s+confidant\b"
    r"|\balways\s+intelligent\s+and\s+machiavellian\b"
)
_BOT = r"(?:ai|assistant|model|chatbot|bot|llm|gpt|version\s+of\s+yourself|entity|persona|character|system)"
_LIMITS = (
    r"(?:restrictions|limits|limitations|filters?|rules|guidelines|censorship|ethics|morals|boundaries|"
    r"constraints|policies|safeguards|programming)"
)
UNRESTRICTED_PERSONA = (
    r"(?:you\s+are|you're|you\s+will\s+be|act\s+as|pretend\s+(?:to\s+be|you\s+are)|become|play|roleplay\s+as|"
    rf"simulate)\s+(?:now\s+)?{_F}{{0,5}}?{_BOT}\s+{_F}{{0,3}}?(?:without|with\s+no|that\s+has\s+no|"
    r"free\s+(?:of|from)|not\s+bound\s+by|unbound\s+by|released\s+from|freed\s+from|that\s+(?:ignores|bypasses|"
    rf"(?:doesn'?t|does\s+not)\s+(?:follow|have|care\s+about)))\s+{_F}{{0,3}}?{_LIMITS}"
    r"|\b(?:unfiltered|uncensored|unrestricted|unaligned|amoral|jailbroken|unhinged|limitless|rule-free|"
    r"unshackled)\s+(?:ai|assistant|model|chatbot|bot|llm|gpt|persona|mode|version\s+of\s+(?:yourself|you|chatgpt|gpt|"
    r"the\s+(?:ai|assistant|model|bot)))\b"
)
SPECIAL_MODE = (
    r"(?:enable|enter|activate|switch\s+(?:to|into)|turn\s+on|you\s+are\s+(?:now\s+)?in)\s+(?:the\s+)?"
    r"(?:developer|god|jailbreak|jailbroken|unrestricted|unfiltered|dan|evil|opposite|chaos)\s+mode"
)
NO_RESTRICTIONS = (
    r"(?:without|with\s+no|free\s+(?:of|from)|not\s+bound\s+by|no\s+longer\s+bound\s+by|bypass|break(?:ing)?|"
    r"escape|ignore)\s+(?:any\s+|all\s+|the\s+|your\s+|of\s+)?(?:ethical|moral|content|safety|openai|usual|"
    r"normal|typical|standard|ai)?\s*(?:restrictions|limitations|filters|censorship|boundaries|safeguards|"
    r"content\s+polic(?:y|ies)|ethical\s+guidelines|moral\s+guidelines)"
)
PRETEND = (
    r"(?:pretend|imagine|suppose)\s+(?:that\s+)?(?:you\s+are|you're|to\s+be)|(?:act|behave|respond)\s+as\s+"
    r"(?:if|though)\s+you|role-?play\s+as|you\s+are\s+now\s+(?:a|an|my|the)\s"
)
STAY_IN_CHARACTER = (
    r"(?:stay|remain|keep)\s+in\s+character|break(?:ing)?\s+character|never\s+(?:refuse|decline)"
    r"|(?:do\s+not|don'?t|never)\s+(?:refuse|apologi[sz]e|add\s+(?:any\s+)?(?:warnings|disclaimers))"
    r"|two\s+(?:separate\s+|different\s+)?(?:responses|answers)\b"
)

_DUMP = (
    r"(?:print|show|reveal|display|output|repeat|recite|dump|leak|disclose|spell\s+out|paste|copy|write\s+"
    r"(?:out|down)|tell\s+me|give\s+me|share|list|return|send\s+me|expose|provide)"
)
_PROMPT = (
    r"(?:system\s+(?:prompt|message|instructions?)|(?:initial|original|hidden|secret|first)\s+"
    r"(?:prompt|instructions?)|pre-?prompt|developer\s+(?:prompt|message|instructions))"
)
EXTRACT_YOURS = (
    rf"{_DUMP}\s+(?:me\s+)?(?:all\s+|back\s+)?(?:of\s+)?your\s+{_F}{{0,2}}?(?:{_PROMPT}|instructions|prompt|"
    r"programming|directives|guidelines|rules|context\s+window)\b"
)
EXTRACT_THE_PROMPT = rf"{_DUMP}\s+(?:me\s+)?(?:the|this|that|its|their)\s+{_F}{{0,2}}?{_PROMPT}"
REPEAT_ABOVE = (
    r"(?:repeat|print|output|reproduce|echo|recite|spell\s+out|write\s+out|return|copy)\s+(?:back\s+)?"
    r"(?:everything|all\s+(?:of\s+)?(?:the\s+)?(?:text|words|instructions|content)|the\s+(?:text|words|"
    r"instructions|prompt|content))\s+(?:\w+\s+){0,2}?(?:above|before\s+(?:this|my)|so\s+far|preceding|"
    r"prior\s+to\s+this)"
    r"|(?:start|begin)(?:ing)?\s+(?:with|from|at)\s+(?:the\s+)?(?:words?|phrase|sentence|line)?\s*[\"'“]?"
    r"(?:you\s+are\s+(?:a|an|chatgpt|gpt)|your\s+instructions)"
)
WHAT_WERE_INSTRUCTIONS = (
    rf"what\s+(?:were|are|was|is)\s+your\s+{_F}{{0,2}}?(?:instructions|{_PROMPT}|prompt|directives)\b"
    r"|what\s+(?:were|are)\s+(?:the\s+)?instructions\s+(?:you\s+(?:were|got)|given\s+to\s+you)"
    r"|how\s+(?:were|are)\s+you\s+(?:instructed|prompted|programmed)\b"
    r"|what\s+(?:did|does)\s+(?:the\s+|your\s+)?(?:developers?|creators?|system|operators?)\s+"
    r"(?:tell|instruct|say\s+to)\s+you"
)

CHAT_TEMPLATE_TOKEN = (
    r"<\|\s*(?:im_start|im_end|im_sep|system|user|assistant|endoftext|end_of_text|eot_id|eom_id|"
    r"start_header_id|end_header_id|begin_of_text|fim_\w+|channel|message|start|end|return|call)\s*\|>"
    r"|<\s*/?\s*(?:start_of_turn|end_of_turn)\s*>"
)
INST_TAG = r"\[/?\s*inst\s*\]|<<\s*/?\s*sys\s*>>|</?\s*(?:system_prompt|im_start|sys)\s*>|\[/?\s*system_prompt\s*\]"
ROLE_HEADING = (
    r"^\s*(?:#{2,}|\*\*|={2,}|-{3,}|>+)\s*(?:system|admin|administrator|developer|new\s+instructions?|"
    r"important\s+(?:new\s+)?instructions?|system\s+(?:prompt|message|override|update|instructions?|note)|"
    r"admin\s+(?:override|message|note|instructions?)|instruction|response|input)\s*(?:\*\*|#+|=+|-{3,})?\s*:?\s*$"
    r"|^\s*#{2,}\s*(?:instruction|response|system)\s*:"
    r"|</?\s*(?:system|admin|developer)\s*>|\[\s*(?:system|admin)\s+(?:message|override|note|prompt|instructions?)\s*\]"
)
_BANNER = r"[-=#*%~<>\[\]|]{3,}"
END_OF_INPUT = (
    rf"{_BANNER}\s*[^\n]{{0,40}}?\b(?:end|begin|start|new|real|actual|updated|system|admin)\b[^\n]{{0,40}}?"
    r"\b(?:instructions?|prompt|input|user|session|conversation|assistant|ambiguity|override|context)\b"
    rf"[^\n]{{0,30}}?{_BANNER}"
    r"|^\s*(?:end|begin)\s+of\s+(?:the\s+)?(?:user\s+|system\s+)?(?:input|prompt|instructions|context|"
    r"conversation|user\s+message)\s*[.!:]?\s*$"
)
SYSTEM_FENCE = r"```\s*(?:system|admin|instructions|developer)\b|'''\s*system\b"
SYSTEM_LABEL = (
    r"^\s*\**\s*(?:system|admin|administrator|developer)\s*(?:message|override|notice|note|instructions?|"
    r"command|update|prompt)?\s*\**\s*:\s+\S"
)
FAKE_TRANSCRIPT = r"^\s*(?:user|human|you)\s*:[^\n]*\n(?:[^\n]*\n){0,30}?\s*(?:assistant|ai|system|bot|gpt|chatgpt)\s*:"

FORCED_OUTPUT = (
    r"(?:say|print|output|respond\s+with|reply\s+with|answer\s+with|return|type|write|(?:begin|start)\s+"
    r"(?:your\s+)?(?:reply|response|answer|output)\s+with)\s+(?:only\s+|exactly\s+|just\s+|simply\s+|"
    r"the\s+(?:words?|phrase|text|string|sentence)\s+|nothing\s+(?:but|except)\s+)+[\"'“«`]"
)
HIJACK_PHRASE = r"\b(?:i\s+have\s+been\s+pwned|pwned|hacked\s+by|you\s+(?:have\s+been|got)\s+(?:hacked|pwned))\b"
ACCESS_GRANTED = r"\baccess\s+granted\b"

_TOOLS = (
    r"(?:k8s_(?:status|deploy|scale|rollback|restart|logs)|drift_check|model_(?:promote|rollback|retrain)|"
    r"alerts_list|incident_show|anomaly_scan|gpu_(?:status|rebalance_plan|rebalance_apply)|terraform_generate|"
    r"runbook_search)"
)
_WRITE_TOOLS = r"(?:k8s_(?:deploy|scale|rollback|restart)|model_(?:promote|rollback|retrain)|gpu_rebalance_apply)"
TOOL_CALL_JSON = (
    r"[\"'](?:tool_calls?|function_call|tool_use|tool_code)[\"']\s*:"
    rf"|[\"'](?:name|tool|tool_name|function|action|recipient_name)[\"']\s*:\s*[\"'](?:functions\.)?{_TOOLS}[\"']"
    rf"|\b{_WRITE_TOOLS}\s*\(\s*\w+\s*="
)
_CALL = r"(?:call|invoke|run|execute|use|trigger|fire)\s+(?:the\s+)?(?:tool\s+|function\s+)?[`'\"]?"
CALL_WRITE_TOOL = rf"{_CALL}{_WRITE_TOOLS}\b"
CALL_ANY_TOOL = rf"{_CALL}{_TOOLS}\b"
AUTO_APPROVE = (
    r"(?:approve|approving|confirm|accept|authori[sz]e|grant)\s+(?:this|it|that|the\s+\w+|all|any|every(?:thing)?|"
    rf"these|them|pending\s+\w+)?\s*{_F}{{0,3}}?(?:automatically|without\s+(?:asking|confirmation|review|"
    r"approval|a\s+human|human|checking|waiting|prompting)|on\s+(?:my|their|our)\s+behalf|silently)"
    r"|(?:this|the)\s+(?:action|request|change|deployment|command|operation)\s+(?:is|has\s+been)\s+"
    r"(?:pre-?approved|already\s+approved|approved\s+by\s+(?:the\s+)?(?:admin|sre|security|management|cto|on-?call))"
    r"|(?<!-)\b(?:pre-?approved|auto-?approved)\s+(?:by|for)\b"
)
SKIP_APPROVAL = (
    r"(?:skip|bypass|disable|circumvent|avoid|without)\s+(?:the\s+|any\s+)?(?:human\s+|manual\s+)?"
    r"(?:approval|confirmation|sign-?off)s?\b"
)
APPROVE_ANYTHING = (
    r"(?:approve|authori[sz]e|confirm)\s+(?:the|this|any|all|pending)\s+(?:\w+\s+){0,2}?(?:request|action|"
    r"change|deployment|rollout|scale|rollback|operation|command)s?\b"
)
RUN_DESTRUCTIVE = (
    r"(?:run|execute|exec)\s*:?\s*[`'\"]?(?:kubectl\s+(?:delete|drain|scale|cordon|patch|apply|exec|rollout\s+undo)"
    r"|helm\s+(?:uninstall|delete|rollback)|rm\s+-rf|terraform\s+(?:destroy|apply)|drop\s+(?:table|database)"
    r"|curl\s+[^\n|]*\|\s*(?:ba)?sh)"
)

_SECRETS = (
    r"(?:conversation|chat\s+history|history|secrets?|credentials|passwords?|api\s+keys?|keys|tokens?|"
    r"env(?:ironment)?\s+variables|kubeconfig|ssh\s+keys?|private\s+keys?|system\s+prompt|user\s+data|cookies)"
)
EXFILTRATE = (
    rf"(?:send|post|upload|forward|exfiltrate|transmit|leak|email|copy|curl|wget|pipe)\s+{_F}{{0,4}}?{_SECRETS}"
    rf"\s+{_F}{{0,3}}?(?:to|at|into|via)\s+(?:https?://|www\.|[\w.-]+@[\w-]+\.|ftp://|my\s+server|"
    r"this\s+(?:url|address|endpoint|webhook))"
    r"|!\[[^\]]*\]\(\s*https?://[^)\s]*[?&][\w-]+=(?:\{|\$|<|\[)"
)
PHISH_CREDENTIALS = (
    r"(?:ask|tell|request|prompt|instruct|require|get)\s+(?:the\s+)?(?:user|customer|reader|visitor|victim|them|"
    rf"people)s?\s+{_F}{{0,2}}?(?:to\s+)?(?:send|enter|provide|share|give|confirm|verify|type|submit|reveal)\s+"
    rf"{_F}{{0,2}}?(?:password|credentials|credit\s+card|card\s+(?:number|details)|ssn|social\s+security|"
    r"bank|login|pin|otp|2fa|api\s+key|seed\s+phrase)"
)
MALICIOUS_CODE = (
    r"\b(?:keylogger|keystrokes|clipboard\s+contents|browser\s+(?:history|cookies|passwords)|/etc/(?:passwd|shadow)"
    r"|\.ssh/id_\w+|reverse\s+shell|backdoor|ransom(?:ware)?|fork\s+bomb|rm\s+-rf\s+/(?:\s|$|\*)|cryptominer"
    r"|crypto\s*mining\s+script|botnet)\b"
)

_AI = (
    r"(?:ai|a\.i\.|assistant|llm|language\s+model|chatbot|bot|agent|copilot|gpt|chatgpt|claude|gemini|"
    r"opsgraph|automated\s+(?:system|agent|assistant)|ai\s+(?:assistant|agent|system|model|reader)s?)"
)
ADDRESS_AI = (
    r"(?:^|[\s(\[:.,!>-])(?:dear|attention|hey|hi|hello|note\s+to|message\s+(?:to|for)|instructions?\s+for|"
    rf"important\s+for)\s+(?:the\s+|any\s+|all\s+|our\s+)?{_AI}\b"
)
IF_YOU_ARE_AI = (
    rf"if\s+you\s+are\s+(?:an?\s+)?(?:{_AI}|large\s+language\s+model|automated)\b"
    r"|\b(?:ai|llm|assistants?|models?|agents?|bots?)\s+(?:reading|processing|parsing|summari[sz]ing|"
    r"analy[sz]ing|reviewing|seeing|handling)\s+(?:this|these|the\s+(?:following|above))"
)
WHEN_SUMMARISING = (
    r"when\s+(?:you\s+)?(?:summari[sz]|answer|respond|repl|process|read|analy[sz]|render|display|report)\w*\s+"
    r"(?:\w+\s+){0,3}?(?:this|these|the\s+(?:alert|log|page|document|email|text|output|message|incident|ticket))"
)
SHAPE_RESPONSE = (
    r"(?:in|to|at\s+the\s+(?:end|start|beginning)\s+of)\s+your\s+(?:response|reply|answer|output|summary)"
    r"|(?:respond|reply|answer|write\s+your\s+(?:response|answer))\s+(?:only\s+)?(?:in|using|with)\s+"
    r"(?:base64|rot-?13|hex|binary|morse|emojis?|pig\s+latin|leetspeak|reverse|a\s+caesar|caesar)"
    r"|(?:encode|encrypt|reverse|convert)\s+(?:your|the)\s+(?:entire\s+|whole\s+)?(?:response|reply|answer|output)"
)
# Steering the answer: an instruction about "your response" that slips content into it or changes
# its form. A person may shape the answer they asked for, so rules.py applies this to untrusted data
# only, where nobody should be addressing the reader's response. Wider than SHAPE_RESPONSE, which
# covers encodings and "in your response" in chat as well.
_OUTPUT = r"(?:response|answer|reply|output|summary|explanation|elucidation|message|solution)s?"
_STEER_VERB = (
    r"(?:modify|enhance|augment|adjust|alter|enrich|tailor|supplement|revise|amend|expand|spice\s+up|boost|"
    r"complement|pad)"
)
STEER_RESPONSE = (
    rf"\b{_STEER_VERB}\s+your\s+(?:\w+\s+)?{_OUTPUT}\s+(?:to|by|with|so)\b"
    rf"|\b(?:in|within|throughout|at\s+the\s+(?:end|start|beginning)\s+of)\s+(?:your|the)\s+(?:\w+\s+)?{_OUTPUT}\s*,\s*"
    r"(?:please\s+|also\s+)?(?:include|mention|add|insert|reference|suggest|recommend|promote|advertise|say|claim|"
    r"state|tell|urge|ask|hint|plug|slip|weave|bring\s+up)"
    r"|\b(?:add|include|insert|append|embed|put|slip|weave|inject)\s+(?:in\s+)?(?:a|an|one|the|some)?\s*(?:\w+\s+){0,3}?"
    r"(?:sentence|paragraph|line|note|footnote|fact|mention|reference|link|statement|tip|ad|advert\w*|p\.s\.)\s+"
    rf"(?:[\w'’-]+\s+){{0,4}}?(?:in|into|to|at\s+the\s+end\s+of)\s+(?:your|the)\s+(?:\w+\s+)?{_OUTPUT}\b"
    rf"|\b(?:translate|render|provide|deliver|write|display|encode|format)\s+your\s+(?:\w+\s+)?{_OUTPUT}\s+"
    r"(?:in|into|using|with|as)\s+(?:\w+\s+)?(?:base\s?(?:16|32|64)|hex\w*|binary|morse|rot-?13|emojis?|reverse|"
    r"caesar|pig\s+latin|leetspeak|italian|spanish|german|french|portuguese|dutch|japanese|chinese|russian)\b"
)
# Slipping something into the answer that harms its readers: an advert, a scam, a false claim.
# Unlike the form of the answer, this is never the asker's own business: in a channel, everyone
# reads the assistant's replies, so chat gets this rule too.
_INTO_ANSWER = (
    rf"\b(?:{_STEER_VERB}|end|close|finish|start|begin)\s+(?:your|the|each|every)\s+(?:\w+\s+)?{_OUTPUT}\s+(?:to|by|with|so)\b"
    rf"|\b(?:in|within|throughout|at\s+the\s+(?:end|start|beginning)\s+of|to|into)\s+(?:your|the|each|every)\s+"
    rf"(?:\w+\s+)?{_OUTPUT}\b"
)
# Phrases of adverts, scams and misinformation that ops answers do not contain. Words an ops
# request uses ("promote the canary", "AD groups", "false positives", "fake credentials for the
# plan", "brand of GPU", a dashboard URL) are deliberately left out.
_HARMFUL_PAYLOAD = (
    r"(?:advertis\w*|advert\b|sponsored\s+(?:message|content|link|post)|\d+\s*%\s+(?:off|discount)|"
    r"(?:a|an)\s+(?:[\w-]+\s+)?discount\b(?![-_])|(?:discount|coupon)\s+codes?|promo(?:tional)?\s+(?:codes?|offers?)|"
    r"special\s+offer|limited-time|free\s+shipping|award-winning|best-in-class|industry-leading|top-rated|"
    r"too-good-to-be-true|investment\s+opportunit\w+|gift\s+card|lottery|you\s+(?:have\s+)?won|claim\s+your|"
    r"wire\s+(?:the\s+)?(?:money|funds)|transfer(?:ring)?\s+(?:the\s+)?funds|bank\s+details|card\s+number|"
    r"promot\w*\s+(?:(?:a|an|the|our|their|this)\s+)?(?:[\w-]+\s+){0,3}?(?:products?|brand|company|services?|sale|app|offer|business)\b|"
    r"untrue|falsely|false\s+(?:claims?|statements?|facts?|information|rumou?rs?|headlines?|news)|fabricat\w*|"
    r"non-?existent|baseless|bogus|made-up|rumou?r|conspiracy|hoax|propaganda|misinformation|disinformation)"
)
SLIP_INTO_ANSWER = rf"(?:{_INTO_ANSWER})[^.!?\n]{{0,120}}?{_HARMFUL_PAYLOAD}"
# A code block the reader is told to carry into its own work: the indirect code-injection shape.
_CARRY_VERB = (
    r"(?:(?:inclusion|incorporation|integration|insertion|addition)\s+of|embed(?:ding)?|incorporat(?:e|ing)|"
    r"integrat(?:e|ing)|includ(?:e|ing)|insert(?:ing)?|inject(?:ing)?|add(?:ing)?|past(?:e|ing)|merg(?:e|ing)|employ(?:ing)?|"
    r"utili[sz](?:e|ing)|us(?:e|ing)|wir(?:e|ing)|mak(?:e|ing))"
)
_FOLLOWING_CODE = (
    r"(?:the\s+)?(?:following|below|subsequent|next|attached)\s+(?:code|snippet|script|helper)"
    r"(?:\s+(?:snippet|block|section|excerpt|fragment|segment|piece))?\b"
)
_OWN_WORK = (
    r"(?:implementation|solution|code|codebase|answer|response|elucidation|explanation|program|script|algorithm|logic)"
)
CODE_INSERT = (
    rf"\b{_CARRY_VERB}\s+{_FOLLOWING_CODE}[^\n`]{{0,80}}?\b(?:in|into|within|as|to)\s+"
    rf"(?:a\s+)?(?:\w+\s+(?:of\s+)?)?(?:your|the\s+final)\s+(?:\w+\s+)?{_OWN_WORK}"
    # "improve your solution by adding the following snippet"
    rf"|\byour\s+{_OWN_WORK}\b[^.!?\n`]{{0,60}}?\b{_CARRY_VERB}\s+{_FOLLOWING_CODE}"
)
# Known-bad shapes inside code: a reverse shell, a fork bomb, secrets or the clipboard posted out.
MALICIOUS_CODE_SHAPE = (
    r"os\.dup2\s*\(|\[\s*[\"']/bin/(?:ba)?sh[\"']\s*(?:,\s*[\"']-i[\"'])?\s*\]|/bin/(?:ba)?sh\s+-i\b"
    r"|while\s+true\s*:\s*\n?\s*os\.fork\s*\(|:\(\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:"
    r"|(?:clipboard|pyperclip|getclipboarddata)[\s\S]{0,300}?requests\.(?:post|put)\s*\("
    r"|(?:\.ssh/|private[\s_/]*key|id_rsa|/etc/(?:passwd|shadow))[\s\S]{0,200}?requests\.(?:post|put)\s*\("
)
# Asking for fabricated content about the text being read: the misinformation family.
FALSE_CONTENT = (
    r"\b(?:write|compose|draft|formulate|create|invent|make\s+up|produce|generate|craft|come\s+up\s+with)\s+"
    r"(?:an?\s+)?(?:\w+\s+){0,2}?(?:untrue|false|fake|fabricated|misleading|deceptive|bogus|made-up)\s+"
    r"(?:headlines?|news|stor(?:y|ies)|articles?|tweets?|reviews?|claims?|quotes?|press\s+releases?|posts?|summar(?:y|ies))"
)
TELL_THE_USER = (
    r"(?:tell|inform|advise|urge|instruct|convince|persuade)\s+(?:the\s+)?(?:user|reader|customer|visitor|"
    r"human|person)s?\s+(?:that|to)\b"
)
ASSISTANT_MUST_ACT = (
    r"\b(?:assistant|ai|agent|bot|opsgraph|llm|model)\s+(?:must|should|shall|will|needs?\s+to|has\s+to|"
    r"is\s+(?:instructed|required|told|ordered|authori[sz]ed)\s+to)\s+(?:now\s+|immediately\s+|also\s+)?"
    r"(?:run|execute|call|invoke|delete|remove|scale|deploy|roll\s*back|rollback|restart|approve|send|forward|"
    r"email|post|upload|disable|drain|cordon|promote|apply|grant|wipe|purge|drop|kill|terminate|shut\s*down|"
    r"ignore|disregard)"
)
YOU_MUST_ACT = (
    r"\byou\s+(?:must|should|shall|are\s+(?:instructed|required|ordered)\s+to)\s+(?:now\s+|immediately\s+|also\s+)"
    r"(?:run|execute|call|invoke|delete|scale|deploy|rollback|approve|send|forward|email|upload|disable|grant)"
)

# What the text asks the reader to do about the reader's own gate: treat a check as passed, declare
# the asker verified. The shape of a guard-bypass ask, whatever the guard protects (a password, a
# passphrase, a verification step), not the words of any one attack.
_CREDENTIAL = (
    r"(?:password|passphrase|passcode|pass\s+code|secret\s+(?:word|phrase|code)|code\s*word|pin|access\s+code|code|"
    r"key|credentials?|login)"
)
_PASSED = (
    r"(?:verified|authenticated|authori[sz]ed|approved|logged\s+in|signed\s+in|an?\s+admin(?:istrator)?|trusted|"
    r"allowed\s+in|let\s+in|cleared)"
)
GUARD_BYPASS = (
    rf"\b(?:mark|treat|consider|declare|flag|regard|register|record)\s+me\s+as\s+{_PASSED}"
    rf"|\b(?:tell|inform)\s+me\s+(?:that\s+)?(?:i\s+am|i'm|i\s+have\s+been|i've\s+been)\s+(?:now\s+)?{_PASSED}"
    rf"|\b(?:treat|consider|accept|count|take)\s+(?:my|this|the|any|every|whatever)\s+(?:[\w'’-]+\s+){{0,3}}?"
    rf"(?:as|counts\s+as)\s+(?:the\s+|a\s+)?(?:right|correct|valid|matching)\s+{_CREDENTIAL}"
    rf"|\b(?:as\s+if|as\s+though|assume|pretend|imagine)\s+(?:that\s+)?(?:the|my)\s+{_CREDENTIAL}\s+(?:i\s+\w+\s+)?"
    r"(?:was|were|is|had\s+been|has\s+been|matched)\s+(?:correct|right|valid|accepted|verified)"
    rf"|\b{_CREDENTIAL}\s+(?:check|verification|prompt|step)\s+(?:is|has\s+been|was)\s+(?:now\s+)?"
    r"(?:off|disabled|turned\s+off|switched\s+off|broken|not\s+needed|irrelevant|suspended)\b"
)
# A claim that the text outranks whatever the reader was told before.
PRIORITY_CLAIM = (
    r"\b(?:outranks?|supersed(?:es|e)|takes?\s+precedence\s+over|(?:has|have)\s+(?:a\s+)?(?:higher|more|top)\s+priority\s+"
    r"than|is\s+more\s+important\s+than)\s+(?:all|any|every|everything|anything)\s+(?:else\s+|of\s+)?(?:the\s+)?"
    r"(?:other\s+|previous\s+|prior\s+|earlier\s+)?(?:rules?|instructions?|directives?|guidelines|orders|others|"
    r"you\s+(?:were|have\s+been)\s+(?:told|given))"
    r"|\b(?:your|all\s+(?:of\s+)?your|all\s+previous|the\s+assistant'?s?|the\s+model'?s?)\s+"
    r"(?:safeguards|restrictions|protections|protection\s+rules|security\s+rules|guardrails|filters|limits|rules)\s+"
    r"(?:are|have\s+been|were|has\s+been)\s+(?:now\s+)?(?:suspended|lifted|retired|expired|cancel+ed|removed|"
    r"disabled|turned\s+off|switched\s+off|void|revoked)"
)
