"""The words that tell names apart: legal forms, institution words, words that open
sentences or name things other than organisations, domain acronyms; and the test of one
name for an organisation's. Shared by the chunking of capitalised runs
(``rules.chunks``), products (``rules.products``) and organisations (``rules.entities``)."""

from __future__ import annotations

from service.cues import cued

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
ORGANISATION_HEADS = frozenset(
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
    Summary Overview Conclusion Outlook Impact Benefits Effects Side Findings Company
    Agreement License Licence""".split()
)
# Words that start a name's run but not the name ("Phase III STEER study", "Q2 2024").
ORDINALS = frozenset("I II III IV V VI 1 2 3 4 1/2 2/3 Ib IIa IIb".split())
# Where a name runs on into a person's: "Cipla New Ventures Head Chandru Chawla".
PERSON_WORDS = frozenset(
    """Head CEO CFO COO CSO CMO CTO Chief Director President Chairman Chairwoman Chair Founder
    Co-founder Professor Prof Prof. Dr Dr. Mr Mr. Ms Ms. Mrs Mrs. Vice Manager Officer
    Executive Spokesperson Spokesman Spokeswoman Minister Secretary Dean Rector""".split()
)
# A name that ends with one of these is a disease, not an organisation ("Buerger's Disease").
DISEASE_WORDS = frozenset(
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
POSSESSIVE_END = cued(r"[’']s$")


def looks_like_organisation(name: str) -> bool:
    words = name.split()
    return (
        words[-1] in LEGAL_SUFFIXES
        or any(POSSESSIVE_END.sub("", w) in INSTITUTION_WORDS for w in words[1:])
        or words[0] in ORGANISATION_HEADS
    )


# Verbs a title capitalises that no name holds: "… Gene Therapy Granted RMAT Designation".
EVENT_VERBS = frozenset(
    """Granted Grants Cleared Clears Approved Approves Receives Received Gets Wins Secures
    Secured Submits Submitted Files Filed Launches Launched Starts Started Begins Doses Dosed
    Raises Raised Closes Closed Signs Signed Completes Completed Announces Announced Reports
    Reported Garners Earns Obtains Obtained Blocks Halts Halted Places Placed""".split()
)
