"""Products named in an article: the known ones (``data/products.json``), codes
("IMC001", "NVK-204"), INN-style names ("-cel", "-leucel", "-gene", "-vec"), brands marked
® or ™, and names introduced, glossed or approved as products; a brand and its INN are
one product."""

from __future__ import annotations

import re

from service.cues import cued
from service.engines.rules.lexicon import Lexicon
from service.engines.rules.name_words import DOMAIN_TERMS, INSTITUTION_WORDS, NOT_NAMES
from service.engines.rules.sentences import Sentence

# A product code in its usual shapes: IMC001, XH19CART (letters and digits run
# together), TG-204, HB-NK07, DJ-TIL2 (a hyphen, letters, digits), JNJ-68284528.
PRODUCT_CODE = cued(
    r"(?<![\w-])(?:\d?[A-Z]{1,6}\d{2,6}(?:[A-Z]{1,6}\d{0,3})?"
    r"|\d?[A-Z]{2,6}-(?:[A-Z]{0,4}\d{1,8}|\d{1,6}[A-Z]{1,4}))[A-Za-z]?(?![\w-]|\.\d)"
)
_INN_WORD = r"[A-Za-z]{3,}(?:cel|leucel|temcel|gene|vec|parvovec|repvec|cabtagene|ogene|plasmid)"
# One or two INN words: "ilixadencel", "etravogene zelparvovec", "sipuleucel-T"; the short
# forms of a cell therapy's INN: "relma-cel", "tab-cel", "pz-cel".
_INN = cued(rf"(?<![\w-])(?:{_INN_WORD}(?:\s+{_INN_WORD})?(?:-[TL])?|[a-z]{{2,6}}-cel)(?![\w-])")
_INN_EXCLUDED = frozenset({"transgene", "oncogene", "antigene", "exogene", "endogene", "parcel"})
# A capitalised word of one INN-like word ending in -gene is a company as often as not
# ("Neurogene", "Pregene"): a gene therapy's INN has two words ("onasemnogene abeparvovec").
_COMPANY_LIKE_INN = cued(r"^[A-Z][a-z]+gene$")
# A brand marked as one: "Kymriah®", "Vyjuvek™" (not "CGTLive®'s", a publication).
_MARKED_BRAND = cued(
    r"(?<![\w-])(?P<name>[A-Z][A-Za-z0-9-]{2,})\s?[®™](?![’']s|\s+(?:platform|technology|"
    r"system|device|software|process|assay|kit)s?\b)"
)
# Names given as a product: "The treatment, Casgevy, ...", "its therapy, Lumivo (...)",
# "sold under the Stemirac brand", "marketed as Cartova", "the brand name Oravex".
_NAMED_PRODUCT = cued(
    r"\b(?:[Tt]he|[Ii]ts|[Tt]heir|[Oo]ur)\s+(?:[\w-]+\s+){0,3}?(?:treatment|therapy|drug|"
    r"medicine|product|candidate|vaccine|implant),\s+(?P<a>[A-Z][A-Za-z0-9-]{2,})(?=\s*[,(]|\s+is\b)"
    r"|\bunder the (?P<b>[A-Z][A-Za-z0-9-]{2,}) brand\b"
    r"|\bunder the (?:brand|trade)[ -]?name,?\s+(?P<c>[A-Z][A-Za-z0-9-]{2,})"
    r"|\b(?:marketed|sold|branded) as (?P<d>[A-Z][A-Za-z0-9-]{2,})"
    r"|\b(?:brand|trade) name,?\s+(?P<e>[A-Z][A-Za-z0-9-]{2,})"
)
# A name before a modality: "its Vireon cell therapy", "Kestrel's NovaCart CAR-T therapy".
_THERAPY_NAMED = cued(
    r"(?:\b(?:its|the|their|our)|[’']s?)\s+(?P<name>[A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9-]*|"
    r"[A-Z][a-z]{3,}[A-Za-z0-9]*)\s+(?:(?:autologous|allogeneic|investigational|stem)\s+)?"
    r"(?:cell|gene|CAR[- ]?T(?: cell)?|cellular|stem cell)\s+(?:therap|immunotherap|product)"
    r"(?:y|ies|s)?\b(?!\s+(?:compan|firm|developer|biotech|maker|specialist|group|platform|"
    r"start-?up|business|sector|field|space|research|centre|center|program))"
)
# A code of letters only before the modality it names: "the VRX CAR-T trial".
_CODE_BEFORE_MODALITY = cued(r"(?<![(\w-])(?P<code>[A-Z]{3,6})\s+CAR[- ]?T\b")
# What a mark of a platform, a device or a tool stands after ("platforms such as Helix®").
_NOT_A_THERAPY_BEFORE = cued(
    r"\b(?:platforms?|technolog\w*|systems?|devices?|software|tools?|kits?|assays?|"
    r"instruments?|media|reagents?|process(?:es)?)\b[^.;]{0,60}$",
    re.I,
)
# The subject or object of an approval: "Lumivo was approved", "approval of Cartova",
# "the agency approved Oravex": a name an approval falls on is a product.
_APPROVED_NAME = cued(
    r"(?<![\w-])(?P<a>[A-Z][a-z]{3,}[A-Za-z0-9-]*)(?:\s?[®™])?\s+(?:was|has been|had been|"
    r"were|have been)\s+(?:\w+\s+)?(?:approved|authori[sz]ed|licensed|cleared)\b"
    r"|\b(?:approv(?:ed|es|al of)|authori[sz](?:ed|es|ation of))\s+(?P<b>[A-Z][a-z]{3,}"
    r"[A-Za-z0-9-]*)\b(?![’'-]|\s+[A-Z0-9])"
)
# A capitalised word ends the name before it ("Bharat CellWorks was approved").
_NAME_BEFORE = cued(r"[A-Z][\w&.-]*\s+$")
_PRODUCT_INTRO = cued(
    r"(?:product candidate|lead candidate|lead product|therapy|candidate|product),?\s+"
    r"(?P<name>[A-Z][\w-]{2,}(?:\s+[A-Z][\w-]+)?)(?=[,.(]|\s+(?:is|has|was|for|in)\b)"
)
# "allogeneic cord blood cells treated ex vivo (also known as CordVex)": a regulator's
# description of a product, then its name.
_KNOWN_AS = cued(
    r"\((?:also\s+)?(?:known|referred to)\s+as\s+(?P<name>[A-Z][\w-]{2,}(?:\s+[A-Z][\w-]+)?)\)"
)
# "Hemavec (etravogene zelparvovec)": a brand name introduced with its INN.
_BRAND_WITH_INN = cued(
    rf"(?<![\w-])(?P<brand>[A-Z][a-z]\w{{2,}})\s?[®™]?\s+\((?P<inn>{_INN_WORD}(?:\s+{_INN_WORD})?)[),;]"
)
# "axicabtagene ciloleucel (Yescarta, Kite)": an INN, then its brand.
_INN_WITH_BRAND = cued(
    rf"(?<![\w-])(?P<inn>{_INN_WORD}(?:\s+{_INN_WORD})?)\s+\((?P<brand>[A-Z][a-z]\w{{2,}})\s?[®™]?[),;]",
    re.I,
)
# "RN-iCM, an iPS cell-derived cardiomyocyte sheet": a name glossed as a therapy.
# "Lumigene, its lentiviral gene therapy", "HeartLayer, an autologous … sheet": a name
# (hyphenated, CamelCase, or one capitalised word) glossed as a therapy.
_APPOSITIVE_PRODUCT = cued(
    r"(?<![\w-])(?P<name>[A-Z][A-Za-z]*-[A-Za-z0-9-]+|[A-Z]+[a-z]+[A-Z]\w*|[A-Z][a-z]{3,})"
    r",\s+(?:an?|its)\s+"
    r"(?:(?!company|firm|developer|biotech|maker|group|start-?up|manufacturer|university|"
    r"hospital|institute|agency|organi[sz]ation)[\w-]+\s+){0,7}?(?:therapy|therapies|"
    r"product|candidate|vaccine|sheet|implant|treatment|medicine)\b"
)
# A name followed by its maker, in a sentence about a therapy: "Corvana (developed by
# Meridel Pharma) is a neural cell product", "Lumivex, developed by Arvena, is a sheet".
_MADE_PRODUCT = cued(
    r"(?<![\w-])(?P<name>[A-Z][A-Za-z]*-[A-Za-z0-9-]+|[A-Z]+[a-z]+[A-Z]\w*|[A-Z][A-Za-z]{3,})"
    r"\s*[(,]\s*(?:which\s+(?:was|is|has been)\s+)?(?:developed|made|manufactured|marketed|"
    r"created|engineered)\s+(?:jointly\s+)?by\s+[A-Z]"
)
# "trial of SRX-MSC", "data of OST-Cart": a code of letters only is a product only where
# a product stands (after "of", "candidate", "therapy" …): alone it is as often a term.
_LETTER_CODE = cued(
    r"\b(?:of|candidate|product|therapy|evaluating|investigating|dosing|trial|study)\s+"
    r"(?P<code>(?P<head>[A-Z]{2,5})-(?:[A-Z]{2,6}|[A-Z][a-z]{2,6}))(?![\w-])"
)
_EXCLUDED_CODES = cued(
    r"^(?:COVID-?19|SARS|IL-?\d+|ISO\d+|H\d+N\d+|Q[1-4]\d+|PD-?L?1|CTLA-?4|HER-?2|FY\d+|"
    r"MIA\d*|GMP\d*|ISO-\d+|CAR-?\d+|TIL-?\d*|CD\d+|HLA-\w+|NY-ESO-1|MAGE-A\d|"
    r"(?:USD|EUR|GBP|CHF|SEK|DKK|NOK|JPY|CNY|RMB|KRW|INR|AUD|CAD|HKD|SGD)\d[\d.,]*[MBK]?)$",
    re.I,
)


class _Found:
    """Names in the order found, brands first (the latest first); lookups in sets."""

    def __init__(self) -> None:
        self.brands: list[str] = []
        self.others: list[str] = []
        self.names: set[str] = set()
        self.folded: set[str] = set()

    def add(self, name: str, *, brand: bool = False) -> None:
        if name not in self.names:
            (self.brands if brand else self.others).append(name)
            self.names.add(name)
            self.folded.add(name.lower())

    def listed(self) -> list[str]:
        return [*reversed(self.brands), *self.others]


# Cheap tests before the product patterns, on a sentence in lower case: a sentence
# holding none of a pattern's words is not searched with it.
_DIGIT = cued(r"\d")
_THERAPY_WORDS = cued(
    r"therap|product|candidate|vaccine|sheet|implant|treatment|medicine|drug|preparation"
)
_BRAND_WORDS = cued(r"brand|name|marketed|sold ")
_APPROVAL_WORDS = cued(r"approv|authori|licens|cleared")
_INN_ENDINGS = cued(r"cel\b|cel-|gene\b|vec\b|plasmid|cabtagene")


def _could_be_brand(name: str, lexicon: Lexicon) -> bool:
    """Whether a capitalised word found where a product stands may be one: not a word
    that opens sentences, a domain term, a place, an authority or a target."""
    return not (
        name in NOT_NAMES
        or name in DOMAIN_TERMS
        or name in INSTITUTION_WORDS
        or lexicon.is_place(name)
        or lexicon.authority(name) is not None
        or bool(lexicon.targets_in(name))
    )


def find_products(sentences: list[Sentence], lexicon: Lexicon) -> tuple[list[str], dict[str, str]]:
    """Product names: the known ones (``data/products.json``), codes, INN-style names,
    brands marked ® or ™, and names introduced as products or approved as one; and a key
    for the names of one product (a brand and its INN share one)."""
    found = _Found()
    aliases: set[str] = set()
    groups: dict[str, str] = {}
    for sentence in sentences:
        text = sentence.text
        lowered = text.lower()
        therapy = _THERAPY_WORDS.search(lowered) is not None
        for mention in lexicon.products_in(text):
            found.add(mention.text, brand=mention.text[:1].isupper())
        if _DIGIT.search(text):
            for match in PRODUCT_CODE.finditer(text):
                if not _EXCLUDED_CODES.match(match.group()):
                    found.add(match.group())
        if "car" in lowered:
            for match in _CODE_BEFORE_MODALITY.finditer(text):
                code = match.group("code")
                if code not in DOMAIN_TERMS and not lexicon.targets_in(code):
                    found.add(code)
        patterns = [
            pattern
            for pattern, wanted in (
                (_MARKED_BRAND, "®" in text or "™" in text),
                (_NAMED_PRODUCT, therapy or _BRAND_WORDS.search(lowered) is not None),
                (_THERAPY_NAMED, therapy),
                (_APPROVED_NAME, _APPROVAL_WORDS.search(lowered) is not None),
            )
            if wanted
        ]
        for pattern in patterns:
            for match in pattern.finditer(text):
                name = next(v for v in match.groupdict().values() if v)
                before = text[max(0, match.start() - 80) : match.start()]
                if pattern is _MARKED_BRAND and _NOT_A_THERAPY_BEFORE.search(before):
                    continue
                if pattern is _APPROVED_NAME and match.group("a") and _NAME_BEFORE.search(before):
                    continue
                if _could_be_brand(name, lexicon):
                    found.add(name, brand=True)
        if "-" in text:
            for match in _LETTER_CODE.finditer(text):
                code = match.group("code")
                if code not in DOMAIN_TERMS and match.group("head") not in DOMAIN_TERMS:
                    found.add(code)
        if _INN_ENDINGS.search(lowered):
            for match in _INN.finditer(text):
                word = match.group()
                if _COMPANY_LIKE_INN.match(word):
                    continue
                if word.lower() not in _INN_EXCLUDED and (len(word) >= 7 or "-cel" in word):
                    if word.lower() not in found.folded:
                        found.add(word)
                    if text[match.start() - 1 : match.start()] == "(":  # "Hemavec (etravogene …)"
                        aliases.add(word)
            if "(" in text:
                for pattern in (_BRAND_WITH_INN, _INN_WITH_BRAND):
                    for match in pattern.finditer(text):
                        brand, inn = match.group("brand"), match.group("inn")
                        if not _could_be_brand(brand, lexicon):
                            continue
                        found.add(brand, brand=True)
                        key = groups.get(brand.casefold(), brand.casefold())
                        groups[brand.casefold()] = groups[inn.casefold()] = key
        if therapy:
            for match in _KNOWN_AS.finditer(text):
                if _could_be_brand(match.group("name"), lexicon):
                    found.add(match.group("name"), brand=True)
            for match in _APPOSITIVE_PRODUCT.finditer(text):
                found.add(match.group("name"))
            for match in _MADE_PRODUCT.finditer(text):
                if _could_be_brand(match.group("name"), lexicon):
                    found.add(match.group("name"), brand=True)
            for match in _PRODUCT_INTRO.finditer(text):
                name = match.group("name")
                if PRODUCT_CODE.fullmatch(name) or _INN.fullmatch(name):
                    found.add(name)
    listed = found.listed()
    for name in listed:
        known = lexicon.product_group.get(name.casefold())
        if known is not None:
            groups[name.casefold()] = known.casefold()
    _group_short_forms(listed, groups)
    return [f for f in listed if f not in aliases or len(listed) == 1], groups


def _group_short_forms(listed: list[str], groups: dict[str, str]) -> None:
    """One key for an INN and the short forms an article writes it in: its first word
    ("ciltacabtagene" for "ciltacabtagene autoleucel") and its "-cel" form ("cilta-cel",
    "tisa-cel" for "tisagenlecleucel")."""
    folded = [name.casefold() for name in listed]
    short = [f for f in folded if f.endswith("-cel") and len(f) >= 7]
    for name in folded:
        words = name.split()
        head = words[0]
        if not _INN.fullmatch(head) and not _INN.fullmatch(name):
            continue
        forms = [f for f in short if f != name and head.startswith(f[:-4])]
        if len(words) > 1 and head in folded:
            forms.append(head)
        key = groups.setdefault(name, name)
        for form in forms:
            if groups.get(form, form) == form:  # a form the lexicon keys is kept so
                groups[form] = key
