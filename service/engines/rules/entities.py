"""Organisations and products named in an article.

Organisations: runs of capitalised words that end in a legal suffix ("AB", "Inc."), hold
an institution word ("University", "Therapeutics", "Centre"), are introduced as one
("X, a company …", "a part of X", "X (NASDAQ: …)", "companies such as X, Y and Z"), or
stand as the subject of a milestone. Places, people, products and domain acronyms are
never organisations.

Products: codes ("IMC001", "NVK-204"), INN-style names ("-cel", "-leucel", "-gene",
"-vec"), and names introduced as products ("its lead product candidate, X").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from service.cues import cued, fold
from service.engines.rules.lexicon import Lexicon
from service.engines.rules.memo import remembered
from service.engines.rules.names import Mention, NameSet
from service.engines.rules.sentences import Sentence, is_chrome

LEGAL_SUFFIXES = frozenset(
    """AB AG ASA A/S BV B.V. Co. Corp. Corp Corporation GmbH Inc. Inc LLC L.P. LP Ltd. Ltd
    Limited NV N.V. Oy Oyj plc PLC S.A. SA SAS SE S.p.A. SpA KK K.K. Pty AS ApS""".split()
)
INSTITUTION_WORDS = frozenset(
    """Therapeutics Pharmaceuticals Pharmaceutical Pharma Biotech Biotechnology Bio Biosciences
    Bioscience Biologics Biopharma BioPharma Biopharmaceuticals Biotherapeutics Medicines
    Oncology Genomics Genetics Health Healthcare Labs Laboratories Sciences Technologies
    Ventures Capital Partners Holdings Group Foundation Institute Institutet University
    College Hospital Clinic Center Centre Council Association Alliance Consortium Society
    Network Biocenter Cluster Faculty School Academy Investments Fund Bank Trust Company
    Industries Diagnostics Therapies Instituto Institut Fundação Fundación Fundacion Stiftung
    Fondazione Fondation Fundacja Stichting
    Universidade Universidad Universität Université Hospital Hôpital Klinikum Centro Clínica
    Hospitals Medical Unit Units Laboratory Services""".split()
)
# Words a name may open with and still be an organisation ("University of Oslo",
# "Fundação Hemocentro", "Instituto Butantan").
_ORGANISATION_HEADS = frozenset(
    """University Institute Centre Center Alliance Faculty Instituto Institut Fundação
    Fundación Fundacion Stiftung Fondazione Fondation Fundacja Stichting Universidade
    Universidad Universität Université Hospital Hôpital Klinikum Centro""".split()
)
ACADEMIC_WORDS = frozenset(
    "University Universities Institute Institutet College Hospital Clinic Faculty School "
    "Academy Center Centre".split()
)
# Capitalised words that open sentences or name things other than organisations.
NOT_NAMES = frozenset(
    """The A An This That These Those It Its In On At As By For From With Without Of To And
    But Or If When While After Before Since During Despite Once Previously Additionally Also
    According However Notably Similarly Meanwhile Furthermore Moreover Today Yesterday Our We
    Their They He She His Her Your You I Is Are Was Were Will Would May Can Could Should
    Such Each Every All Both Many Most Some Other Another New Further First Second Third
    Leveraging Embodying Driven Established Founded Based Located Following Under Over
    Phase Week Weeks Month Year Stage Part Group Read About Reference Disclaimer Published
    Updated Source Photo Featured Advanced Epithelial Organizations Organisations Companies
    Managing Overcoming Cell Gene Establishing Explore Will What Why How Where Who Q&A
    Vice President Chairman Founder Professor Dr Mr Ms Mrs Prof Head Chief Senior
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday Mon Tue Tues Wed Thu Thurs Fri
    January February March April June July August September October November December Jan
    Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Shares Stock Stocks Has Have Had Be Been
    Do Does Did Related Author Authors Staff Posted Written Editor Image Images Credit
    Courtesy Copyright Click Learn Download Subscribe Login Sign Watch Listen Share Print
    Email Tags Topics Country Region Category Section Page Home News Article Articles Story
    Updates Breaking Latest Top Sponsored Advertisement Dear Welcome Thanks Note Notes
    Register Contact Menu Search Close Open Next Previous Back More Less Overall Priority
    Review Collective Fast Track Breakthrough Orphan Designation Approval Clinical Trial
    Trials Study Studies Data Results Patients Treatment Therapy Therapies Key Points
    Commercial Availability Pioneering Regulatory Positive Significance Highlights Background
    Summary Overview Conclusion Outlook Impact Benefits Effects Side Findings""".split()
)
# Words that start a name's run but not the name ("Phase III STEER study", "Q2 2024").
_ORDINALS = frozenset("I II III IV V VI 1 2 3 4 1/2 2/3 Ib IIa IIb".split())
# Where a name runs on into a person's: "Cipla New Ventures Head Chandru Chawla".
_PERSON_WORDS = frozenset(
    """Head CEO CFO COO CSO CMO CTO Chief Director President Chairman Chairwoman Chair Founder
    Co-founder Professor Prof Prof. Dr Dr. Mr Mr. Ms Ms. Mrs Mrs. Vice Manager Officer
    Executive Spokesperson Spokesman Spokeswoman Minister Secretary Dean Rector""".split()
)
# A name that ends with one of these is a disease, not an organisation ("Buerger's Disease").
_DISEASE_WORDS = frozenset(
    """Disease Diseases Syndrome Disorder Disorders Cancer Cancers Dystrophy Atrophy Deficiency
    Leukemia Leukaemia Lymphoma Myeloma Sclerosis Tumor Tumour Tumors Tumours Ataxia Anemia
    Anaemia Thalassemia Thalassaemia Hemophilia Haemophilia Failure Injury Injuries""".split()
)
DOMAIN_TERMS = frozenset(
    """ATMP ATMPs GMP GCP GLP CGT CGTs IND INDs CTA CTAs BLA BLAs NDA NDAs MAA MAAs PMA ODD
    ODDs RMAT PRIME IIT IITs OS PFS ORR DCR PR CR SCLC NSCLC TNBC AML ALL CLL DLBCL ASCO
    CSCO ASH ESMO AACR ISSCR ASGCT EHA SITC CAR-T CAR-NK TCR-T NK SME SMEs R&D CEO CFO COO
    CSO CMO USD EUR SEK GBP CHF RMB CNY JPY AI EU UK US USA PA NY CA MA TX NJ Q1 Q2 Q3 Q4 STO
    MIA CRL PDUFA HTA KOL KOLs OEM CDMO CMC QP
    NASDAQ Nasdaq NYSE HKEX LSE TSX ASX SSE SZSE OTC DNA RNA mRNA AAV CRISPR iPS iPSC NKT
    CAR TCR T B BTD BTDs DLT DLTs SAE SAEs ARDS SMA DMD HCC PTLD EBV AADC SCD TDT LBCL CDF
    TYO TSE KOSDAQ KOSPI SGX BSE NSE SIX FRA XETRA AMEX TWSE NEJM JAMA
    PBS FDA's EMA's MSC MSCs TIL TILs ADC ADCs SOC FIH MoU MOU NRDL""".split()
)
PERSON_TITLES = cued(
    r"^,\s+(?:[\w'’.&-]+\s+){0,6}?(?:CEO|CFO|COO|CSO|CMO|CTO|President|president|Vice|vice|"
    r"Chairman|chairman|Founder|founder|professor|Professor|dean|Dean|rector|Rector|director|"
    r"Director|head|Head|chief|Chief|officer|Officer|manager|Manager|Chair|chair|partner|"
    r"Partner|senior|Senior|executive|Executive|scientist|researcher|analyst|spokesperson)\b"
)
# What ends the words before a person's name: "said", "according to", "by", "Dr.".
_SPEECH_BEFORE = (
    "said",
    "says",
    "stated",
    "according to",
    "by",
    "by:",
    "dr.",
    "prof.",
    "mr.",
    "ms.",
    "mrs.",
)


def speech_before(before: str) -> bool:
    """Whether ``before`` (the words before a name) ends in a word of speech or a
    title, spaces after it aside (a test at the end: no search along the words)."""
    return fold(before.rstrip()).endswith(_SPEECH_BEFORE)


SPEECH_AFTER = cued(r"^\s+(?:said|says|stated|added|noted|explained)\b")
INTRODUCED = cued(
    r"^(?:,\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,6}?(?:company|firm|biotech|biotechnology company|"
    r"developer|manufacturer|subsidiary|startup|start-up|spin-out|organi[sz]ation|provider|"
    r"leader)\b|,\s+(?:a\s+)?part of\b|"
    r"\s*\((?:STO|NASDAQ|Nasdaq|NYSE|HKEX|LSE|TSX|ASX|SSE|SZSE|OTC|Euronext)\b|"
    r"\s+(?:today\s+)?announced\b)"
)
# A name opening a sentence, then an act ("Arcadia Cell Manufacturing on Wednesday broke
# ground", "Orlena has signed"): the sentence's subject. Speech verbs are left out: "Anna
# Berg said" is a person as often.
ACTS_AFTER = cued(
    r",?\s+(?:(?:on|last|this)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday|week)\s+|today\s+|yesterday\s+)?(?:has\s+|have\s+|had\s+)?"
    r"(?!(?:stated|added|noted|explained|commented|remarked|quoted|based|located|founded)\b)"
    r"(?:[a-z]{3,}ed|won|broke|raised|signed|began|got|wins|opens|receives|secures|raises|"
    r"signs|breaks|launches|completes|announces|reports|enters|gains|closes)\b"
)
# "Milan-based Tessera Cell Therapy": only organisations are "based" somewhere.
LOCATED = cued(r"(?<![\w-])[A-Z][\w\u00c0-\u024f.]*-(?:based|headquartered)\s+$")
PART_OF = cued(r"(?:a part of|subsidiary of|division of|unit of|owned by)\s+$", re.I)
# Who made a product: "(developed by Acme Bio and Nova Cell)", "a therapy made by Acme".
DEVELOPED_BY = cued(
    r"\b(?:developed|made|manufactured|marketed|invented|discovered|created|engineered)"
    r"\s+(?:jointly\s+)?by\s+(?:[A-Z][\w&.’'-]*(?:\s+[A-Z][\w&.’'-]*)*\s+(?:and|&)\s+)?$"
)
LIST_INTRO = cued(
    r"(?:organi[sz]ations|companies|partners|firms|members|stakeholders|actors|players|"
    r"investors|sponsors|developers)\s+(?:such as|including|like|namely)\s+"
    r"(?P<items>[^.;:]+?)(?=\s+as well as\b|[.;:]|$)",
    re.I,
)
_LIST_WORDS = cued(r"such as|including|like|namely", re.I)
_LIST_SEPARATOR = cued(r",\s*(?:and\s+)?|\s+and\s+")
_ACRONYM_DEFINED = cued(
    r"(?P<long>(?:[A-Z][\w-]*\s+(?:(?:of|and|for|&)\s+)?){1,8})\((?P<short>[A-Z]{2,6})\)"
)

# What stands around a name is read this far either side: every cue above fits (and
# reading a bounded window keeps the work linear in a sentence's length).
CONTEXT_CHARS = 200
# A name may hold "and" ("Medicines and Healthcare products Regulatory Agency"), this
# many times at most; a longer run of capitalised words joined by "and" is a list.
MAX_ANDS_IN_NAME = 3
# No name is longer than this many words: a longer capitalised run is a title or a list.
MAX_NAME_WORDS = 12

# A capitalised name the article repeats this often is taken for an organisation.
REPEATED_NAME = 3
# The headline and lead: an organisation they name weighs this many mentions more.
LEAD_SENTENCES = 2
LEAD_WEIGHT = 2

_TOKEN = r"(?:[A-Z0-9][\w'’&.\-/]*[\w.]|[A-Z])"
_CONNECTOR = r"(?:of|for|and|&|de|del|der|du|la|le|the|y|für)"
_SUFFIX_AFTER_COMMA = (
    r"(?:,\s+(?:Inc\.|Inc\b|Ltd\.|LLC|Co\.|Corp\.|plc|PLC|AG|AB|S\.A\.|N\.V\.|B\.V\.))"
)
# A name may follow "--" or "—" ("BUSINESS WIRE)--Apexa"), not a hyphenated word's head.
CHUNK = cued(rf"(?<!\w)(?<!\w-){_TOKEN}(?:(?:\s+{_CONNECTOR})?\s+{_TOKEN})*{_SUFFIX_AFTER_COMMA}?")
# A product code in its usual shapes: IMC001, XH19CART (letters and digits run
# together), TG-204, HB-NK07, DJ-TIL2 (a hyphen, letters, digits), JNJ-68284528.
_CODE = cued(
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


@dataclass
class Entities:
    """What an article names: organisations (with a role guess) and products."""

    organisations: list[str] = field(default_factory=list)
    academic: set[str] = field(default_factory=set)
    listed: set[str] = field(default_factory=set)
    products: list[str] = field(default_factory=list)
    product_groups: dict[str, str] = field(default_factory=dict)  # a name (folded): its key
    counts: Counter[str] = field(default_factory=Counter)
    in_lead: set[str] = field(default_factory=set)
    developers: dict[str, str] = field(default_factory=dict)  # a product's key: its maker
    _orgs: NameSet | None = None
    _products: NameSet | None = None
    _known: set[str] = field(default_factory=set)
    _short: dict[str, str] = field(default_factory=dict)
    is_place: Callable[[str], bool] = lambda _name: False

    def organisations_in(self, text: str) -> list[Mention]:
        """Mentions of the organisations, a short form (``short_forms``: "ThamesGen" for
        "ThamesGen Ltd") standing for the whole name."""
        if self._orgs is None:
            claimed: dict[str, dict[str, str]] = {}
            for name in self.organisations:
                for short in short_forms(name):
                    if short not in self._known and not self.is_place(short):
                        owners = claimed.setdefault(short, {})
                        key = organisation_key(name)
                        if key not in owners or len(name) < len(owners[key]):
                            owners[key] = name  # of one organisation's names, the shortest
            # A short form two organisations share stands for neither (two names of one,
            # "Acme Bio" and "Acme Bio Ltd", are one).
            self._short = {s: next(iter(n.values())) for s, n in claimed.items() if len(n) == 1}
            names = [*self.organisations, *self._short]
            # A name of common words only ("Cell Therapy" for "Cell Therapy Ltd") is
            # found as written, never in "its cell therapy".
            self._orgs = NameSet(names, exact=lambda n: " " not in n or _common_words(n))
        found = self._orgs.find(text)
        if not self._short:
            return found
        full = self._short
        return [Mention(m.start, m.end, full[m.text]) if m.text in full else m for m in found]

    def product_key(self, name: str) -> str:
        """One key for every name of a product ("Yescarta", "axicabtagene ciloleucel")."""
        return self.product_groups.get(name.casefold(), name.casefold())

    def products_in(self, text: str) -> list[Mention]:
        if self._products is None:
            self._products = NameSet(self.products)
        return self._products.find(text)

    def main_organisation(self) -> str | None:
        """The organisation the article is most about: the one it names most often, a
        mention in the headline or lead counting extra."""
        if not self.organisations:
            return None
        # On a tie the longer name wins: "CCRM Nordic" over "CCRM".
        return max(
            self.organisations,
            # A company over a university or hospital named as often (a spin-out's origin).
            key=lambda n: (
                self.counts[n] + LEAD_WEIGHT * (n in self.in_lead),
                n not in self.academic,
                len(n),
            ),
        )

    def add_organisation(self, name: str) -> None:
        if name not in self._known:
            self._known.add(name)
            self.organisations.append(name)
            self._orgs = None

    def count_in(self, texts: list[str], lead: str) -> None:
        """Count each organisation's mentions in the sentences ``texts`` (a longer name's
        not counting for a shorter), and note those the headline and lead name."""
        self.counts = Counter(m.text for text in texts for m in self.organisations_in(text))
        self.in_lead = {m.text for m in self.organisations_in(lead)}


# Words that open many names and tell none apart: "North Carolina Biotechnology Center"
# is never "North", nor "American Society of Hematology" "American".
_GENERIC_HEADS = frozenset(
    """American European British English Chinese Japanese Korean Indian German French Swiss
    Swedish Danish Dutch Nordic Scandinavian Asian African Australian Canadian Italian
    Spanish National International Global General United Royal Federal State Regional
    North South East West Northern Southern Eastern Western Central New Great Saint St
    Mount Children's Cell Cells Gene Genes Bio Medical Clinical Advanced Regenerative
    Cancer Human Life Applied Precision Translational Molecular Cellular Genetic""".split()
)
# A name's first word stands for it alone only when it is this long ("Mirabel", not "Cor").
MIN_HEAD_CHARS = 4


def without_legal_form(name: str) -> str:
    """ "ThamesGen Ltd" → "ThamesGen", "Corvalis Genetics, Inc." → "Corvalis Genetics"."""
    words = name.replace(",", " ").split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def organisation_key(name: str) -> str:
    """One key for the names of one organisation: "Kiyomi Pharma", "Kiyomi
    Pharmaceutical Co., Ltd." and "Kiyomi" are "kiyomi" (legal form and trailing
    institution words dropped, case folded)."""
    words = without_legal_form(name).split()
    while len(words) > 1 and words[-1].rstrip(".,") in INSTITUTION_WORDS | LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words).casefold()


def _common_words(name: str) -> bool:
    """Whether every word of a name is one that also opens sentences or names a field."""
    return all(
        w in NOT_NAMES or w in INSTITUTION_WORDS or w in _GENERIC_HEADS for w in name.split()
    )


def short_forms(name: str) -> list[str]:
    """Shorter forms an article uses for a name, longest first: without its legal form
    ("ThamesGen Ltd" → "ThamesGen"), without trailing institution words ("Sakura Cell
    Therapeutics K.K." → "Sakura Cell"), and its first word when that is a coined name
    ("Mirabel Cell Sciences" → "Mirabel")."""
    words = without_legal_form(name).split()
    forms = [" ".join(words)]
    if words[0] in _GENERIC_HEADS:  # "North Carolina Biotechnology Center" ≠ "North Carolina"
        return [f for f in forms if f != name]
    while len(words) > 1 and words[-1] in INSTITUTION_WORDS:
        words.pop()
        forms.append(" ".join(words))
    head = words[0]
    if (
        len(words) > 1
        and len(head) >= MIN_HEAD_CHARS
        and head[:1].isupper()
        and head.isalpha()
        and head not in INSTITUTION_WORDS
        and head not in NOT_NAMES
        and head not in DOMAIN_TERMS
    ):
        forms.append(head)
    return [f for f in dict.fromkeys(forms) if f != name]


_CONNECTORS = frozenset({"of", "for", "and", "&", "the", "de", "del", "der", "du", "la", "le", "y"})
_POSSESSIVE_END = cued(r"[’']s$")
_POSSESSIVE = cued(r"(?<=\w)[’']s\s+")
_AND = cued(r"\s+(?:and|&)\s+")


_TRIAL_AFTER = cued(r"\s+(?:study|trial|programme|program|cohort|registry)\b", re.I)
# What stands before a place: "in Quebec", "across Europe".
_PLACE_BEFORE = cued(r"\b(?:in|at|from|across|throughout|near|outside)\s+(?:the\s+)?$")
# News wires and agencies, named in datelines and credits: never the news' organisation.
_WIRES = frozenset(
    " ".join(name.split())
    for name in """business wire|pr newswire|prnewswire|globe newswire|globenewswire|accesswire|
    cision|eqs newswire|jcn newswire|acn newswire|newsfile|reuters|associated press|yonhap|
    yonhap news|kyodo|jiji|jiji press|press trust of india|pti|xinhua|afp|agence
    france-presse|bloomberg|dow jones|ians|ani|business standard""".split("|")
)
# One word ending in a lower-case part is biology, not a name: "B-cell", "CD19-directed".
_LOWER_AFTER_HYPHEN = cued(r"-[a-z]+$")
# A stock ticker as wires print it: "RCKT.O", "7203.T".
_TICKER = cued(r"[A-Z0-9]{1,6}\.[A-Z]{1,2}")
# A name that ends with one of these is a law or a document, not an organisation.
_DOCUMENT_WORDS = frozenset(
    "Regulation Regulations Directive Act Law Guideline Guidelines Guidance Rule Rules Report "
    "Program Programme Scheme Plan Strategy Framework Journal".split()
)
_EPONYM = cued(r"[’']s\s+(?:" + "|".join(sorted(_DISEASE_WORDS)) + r")\b")
# Capitalised words that open sentences, and also names: "Cell Therapies Pty Ltd",
# "Gene Therapy Catapult" (kept before an institution word).
_NAME_HEADS_TOO = frozenset("Cell Gene Advanced Clinical Medical".split())


def _strip_chunk(chunk: str) -> str:
    words = chunk.split()
    while words and (
        words[0] in NOT_NAMES
        or words[0] in DOMAIN_TERMS
        or words[0] in _ORDINALS
        or words[0].lower() in _CONNECTORS
        or words[0].endswith(("-based", "-headquartered"))
    ):
        if (
            words[0] in _NAME_HEADS_TOO
            and len(words) > 1
            and (words[1] in INSTITUTION_WORDS or words[-1] in LEGAL_SUFFIXES)
        ):
            break
        words.pop(0)
    if all(w.strip(",") in LEGAL_SUFFIXES for w in words):  # "Inc." alone names nothing
        return ""
    while words and words[-1].lower() in _CONNECTORS:
        words.pop()
    if not words:
        return ""
    last = words[-1]
    if last.endswith(("’s", "'s")):
        words[-1] = last[:-2]
    elif last.endswith(".") and last not in LEGAL_SUFFIXES:
        words[-1] = last.rstrip(".")
    return " ".join(w for w in words if w)


def _pieces(match: re.Match[str]) -> list[tuple[int, str]]:
    """A run split at possessives ("Canada’s CCRM") and at "and" between two names
    (one with "and" inside stays whole, up to ``MAX_ANDS_IN_NAME`` of them)."""
    pieces = [(match.start(), match.group())]
    run = pieces[0][1]
    splitters = [
        splitter
        for splitter, sign in ((_POSSESSIVE, ("'s", "’s")), (_AND, ("and", "&")))
        if any(s in run for s in sign)  # a run without one is not split by it
    ]
    for splitter in splitters:
        split: list[tuple[int, str]] = []
        for offset, raw in pieces:
            cut = 0
            pending: list[re.Match[str]] = []  # separators since ``cut``, not split at
            for sep in splitter.finditer(raw):
                left = _strip_chunk(raw[cut : sep.start()])
                if splitter is _POSSESSIVE or (left and looks_like_organisation(left)):
                    split.append((offset + cut, raw[cut : sep.start()]))
                    cut = sep.end()
                    pending = []
                    continue
                pending.append(sep)
                if len(pending) > MAX_ANDS_IN_NAME:  # too many for one name: a list
                    first = pending.pop(0)
                    split.append((offset + cut, raw[cut : first.start()]))
                    cut = first.end()
            split.append((offset + cut, raw[cut:]))
        pieces = split
    return pieces


# A legal form ends a name: "Kyoto Gene K.K. for KG-9" is "Kyoto Gene K.K." and a code.
_LEGAL_END = cued(
    r"(?<=\s)(?:"
    + "|".join(re.escape(s) for s in sorted(LEGAL_SUFFIXES, key=len, reverse=True))
    + rf")(?P<cut>\s+{_CONNECTOR}\s+)"
)


def _cut_after_legal_form(offset: int, raw: str) -> list[tuple[int, str]]:
    if len(raw.split()) < 3:
        return [(offset, raw)]  # a word, a legal form, a connector: three words at least
    pieces = []
    start = 0
    for found in _LEGAL_END.finditer(raw):
        pieces.append((offset + start, raw[start : found.start("cut")]))
        start = found.end("cut")
    pieces.append((offset + start, raw[start:]))
    return pieces


def _before_person(offset: int, raw: str) -> list[tuple[int, str]]:
    """A run cut where a person's title starts: "Acme Bio CEO Jane Roe" names Acme Bio."""
    words = raw.split(" ")
    for i, word in enumerate(words[1:], start=1):
        if word.rstrip(",") in _PERSON_WORDS:
            return [(offset, " ".join(words[:i]))]
    return [(offset, raw)]


def candidate_chunks(sentence: str) -> list[Mention]:
    """Capitalised runs that may name something, trimmed of sentence-opening words (the
    entity pass and the reader ask for a sentence's runs alike: kept for recent ones)."""
    if len(sentence) > 2000:
        return _candidate_chunks(sentence)
    return list(_cached_chunks(sentence))


@remembered
def _cached_chunks(sentence: str) -> tuple[Mention, ...]:
    return tuple(_candidate_chunks(sentence))


def _candidate_chunks(sentence: str) -> list[Mention]:
    found = []
    for match in CHUNK.finditer(sentence):
        pieces = [
            cut
            for piece in _pieces(match)
            for legal in _cut_after_legal_form(*piece)
            for cut in _before_person(*legal)
        ]
        for offset, raw in pieces:
            name = _strip_chunk(raw)
            if not name or name.count(" ") >= MAX_NAME_WORDS:
                continue
            start = offset + raw.find(name.split()[0])
            found.append(Mention(start, start + len(name), name))
    return found


def is_person(sentence: str, mention: Mention) -> bool:
    """A name said to speak or given a job title; an organisation's name never is one."""
    if looks_like_organisation(mention.text):
        return False
    before = sentence[max(0, mention.start - CONTEXT_CHARS) : mention.start]
    after = sentence[mention.end : mention.end + CONTEXT_CHARS]
    if PERSON_TITLES.match(after) or speech_before(before):
        return True
    if LOCATED.search(before):
        return False
    # "Acme said …" is a company as often as a person: only two or three plain words.
    return bool(SPEECH_AFTER.match(after)) and 2 <= len(mention.text.split()) <= 3


def is_excluded(name: str, lexicon: Lexicon, products: set[str]) -> bool:
    words = name.split()
    return (
        not any(c.isalpha() for c in name)  # "2023" once "August" is dropped
        or name in DOMAIN_TERMS
        or name in products
        or lexicon.is_product(name)
        or words[-1] in _DISEASE_WORDS
        or words[-1] in _DOCUMENT_WORDS
        or "Journal" in words
        or bool(_LOWER_AFTER_HYPHEN.search(name) and len(words) == 1)
        or bool(_TICKER.fullmatch(name))
        or " ".join(words).casefold() in _WIRES
        or lexicon.is_place(name)
        or (name.endswith("s") and lexicon.is_place(name[:-1]))  # "Canadians"
        or lexicon.authority(name) is not None
        or all(w in NOT_NAMES for w in words)
        or any(w in DOMAIN_TERMS for w in words)
        or bool(lexicon.targets_in(name))
        or bool(_CODE.fullmatch(name))
    )


_INSIDE = cued(r"[a-z,]\s+([A-Z][\w'’&-]*)")


def _acting_subject(sentence: str, mention: Mention, inside: Callable[[], set[str]]) -> bool:
    """A name that opens its sentence and acts (``ACTS_AFTER``): one word only when the
    article also writes it capitalised inside a sentence (``inside``: those words), not
    "Patients treated …"."""
    if sentence[: mention.start].strip(" \"“‘'-—–") or not ACTS_AFTER.match(sentence, mention.end):
        return False
    return " " in mention.text or mention.text in inside()


def looks_like_organisation(name: str) -> bool:
    words = name.split()
    return (
        words[-1] in LEGAL_SUFFIXES
        or any(_POSSESSIVE_END.sub("", w) in INSTITUTION_WORDS for w in words[1:])
        or words[0] in _ORGANISATION_HEADS
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
            for match in _CODE.finditer(text):
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
            for match in _APPOSITIVE_PRODUCT.finditer(text):
                found.add(match.group("name"))
            for match in _MADE_PRODUCT.finditer(text):
                if _could_be_brand(match.group("name"), lexicon):
                    found.add(match.group("name"), brand=True)
            for match in _PRODUCT_INTRO.finditer(text):
                name = match.group("name")
                if _CODE.fullmatch(name) or _INN.fullmatch(name):
                    found.add(name)
    listed = found.listed()
    for name in listed:
        known = lexicon.product_group.get(name.casefold())
        if known is not None:
            groups[name.casefold()] = known.casefold()
    return [f for f in listed if f not in aliases or len(listed) == 1], groups


def _listed_names(sentence: str) -> list[str]:
    """Names listed after "companies such as …", "partners including …"."""
    names: list[str] = []
    if not _LIST_WORDS.search(sentence):
        return names
    for match in LIST_INTRO.finditer(sentence):
        for item in _LIST_SEPARATOR.split(match.group("items")):
            name = _strip_chunk(item.strip())
            if name and name[0].isupper() and CHUNK.fullmatch(name):
                names.append(name)
    return names


def _terms(text: str) -> set[str]:
    """Acronyms the article defines for something that is not an organisation."""
    return {
        m.group("short")
        for m in _ACRONYM_DEFINED.finditer(text)
        if not looks_like_organisation(_strip_chunk(m.group("long")) or "x")
    }


def _title_case(text: str) -> bool:
    """Whether most words of a line are capitalised, as in a title ("FDA Grants Orphan
    Status to …"); a line cut off mid-sentence is not."""
    words = [w for w in text.split() if w[:1].isalpha()]
    capitalised = sum(1 for w in words if w[0].isupper())
    return not words or capitalised / len(words) >= 0.6


def find_entities(sentences: list[Sentence], lexicon: Lexicon) -> Entities:
    """The organisations and products an article names."""
    entities = Entities(is_place=lexicon.is_place)
    entities.products, entities.product_groups = find_products(sentences, lexicon)
    excluded = set(entities.products) | {t for s in sentences for t in _terms(s.text)}
    seen: Counter[str] = Counter()
    found: list[str] = []
    acting: list[str] = []
    words_inside: list[set[str]] = []

    def inside() -> set[str]:  # capitalised words inside sentences: found once, if asked
        if not words_inside:
            words_inside.append({w for s in sentences for w in _INSIDE.findall(s.text)})
        return words_inside[0]

    for sentence in sentences:
        if is_chrome(sentence):
            continue  # a caption's or a byline's names are not the news'
        found += [m.text for m in lexicon.organisations_in(sentence.text)]
        if sentence.is_heading and _title_case(sentence.text):
            continue  # title-case headings capitalise every word
        for name in _listed_names(sentence.text):
            if not is_excluded(name, lexicon, excluded):
                found.append(name)
                entities.listed.add(name)
        authorities = lexicon.authorities_in(sentence.text)
        for mention in candidate_chunks(sentence.text):
            name = mention.text
            if is_excluded(name, lexicon, excluded) or is_person(sentence.text, mention):
                continue
            if any(a.start <= mention.start < a.end for a in authorities):
                continue  # a piece of "Medicines and Healthcare products Regulatory Agency"
            if _EPONYM.match(sentence.text, mention.end):
                continue  # "Buerger's Disease" names a disease, not Buerger
            if _TRIAL_AFTER.match(sentence.text, mention.end) and not looks_like_organisation(name):
                continue  # "the STEER study" names a trial
            before = sentence.text[max(0, mention.start - CONTEXT_CHARS) : mention.start]
            after = sentence.text[mention.end : mention.end + CONTEXT_CHARS]
            if _PLACE_BEFORE.search(before) and not looks_like_organisation(name):
                continue  # "reimbursed in Quebec": where, not who
            seen[name] += 1
            if not (
                looks_like_organisation(name)
                or INTRODUCED.match(after)
                or LOCATED.search(before)
                or PART_OF.search(before)
                or DEVELOPED_BY.search(before)
                or seen[name] == REPEATED_NAME
            ):
                if _acting_subject(sentence.text, mention, inside):
                    acting.append(name)
                continue
            found.append(name)
    # A sentence's acting subject is an organisation unless it is a short form of one
    # ("Sakura Cell has started …" stands for "Sakura Cell Therapeutics K.K.").
    shorter = {form for name in found for form in short_forms(name)}
    found += [name for name in acting if name not in shorter]
    for name in found:
        entities.add_organisation(name)
        if any(w in ACADEMIC_WORDS for w in name.split()):
            entities.academic.add(name)
    entities.count_in(
        [s.text for s in sentences], " ".join(s.text for s in sentences[:LEAD_SENTENCES])
    )
    entities.developers = _developers(sentences, entities)
    return entities


# A product's maker right after its name: "Lumivo (developed by Acme Bio)", "Lumivo, which
# was developed by Acme Bio", "Lumivo, made by Acme".
_MADE_BY = cued(
    r"\s*[(,]?\s*(?:which\s+(?:was|is|has been)\s+|(?:was|is)\s+)?(?:developed|made|"
    r"manufactured|marketed|invented|created|engineered)\s+(?:jointly\s+)?by\s+"
)


def _developers(sentences: list[Sentence], entities: Entities) -> dict[str, str]:
    """Each product's maker, where a sentence names it right after the product (by the
    product's key: a brand and its INN share one)."""
    found: dict[str, str] = {}
    for sentence in sentences:
        text = sentence.text
        if " by " not in text or is_chrome(sentence):
            continue
        for product in entities.products_in(text):
            made = _MADE_BY.match(text, product.end)
            if made is None:
                continue
            maker = next(
                (m for m in entities.organisations_in(text) if m.start == made.end()), None
            )
            if maker is not None:
                found.setdefault(entities.product_key(product.text), maker.text)
    return found
