"""Three-letter codes that may stand in an MRZ issuing-state or nationality field.

ICAO 9303 Part 3 §5 uses ISO 3166-1 alpha-3 plus a few codes of its own. Neither the issuing
state nor (in TD3) the nationality is covered by a check digit, so this list is the only guard
against a misread code.
"""

ISO_ALPHA3 = frozenset("""
AFG ALA ALB DZA ASM AND AGO AIA ATA ATG ARG ARM ABW AUS AUT AZE BHS BHR BGD BRB BLR BEL BLZ BEN
BMU BTN BOL BES BIH BWA BVT BRA IOT BRN BGR BFA BDI CPV KHM CMR CAN CYM CAF TCD CHL CHN CXR CCK
COL COM COG COD COK CRI CIV HRV CUB CUW CYP CZE DNK DJI DMA DOM ECU EGY SLV GNQ ERI EST SWZ ETH
FLK FRO FJI FIN FRA GUF PYF ATF GAB GMB GEO DEU GHA GIB GRC GRL GRD GLP GUM GTM GGY GIN GNB GUY
HTI HMD VAT HND HKG HUN ISL IND IDN IRN IRQ IRL IMN ISR ITA JAM JPN JEY JOR KAZ KEN KIR PRK KOR
KWT KGZ LAO LVA LBN LSO LBR LBY LIE LTU LUX MAC MDG MWI MYS MDV MLI MLT MHL MTQ MRT MUS MYT MEX
FSM MDA MCO MNG MNE MSR MAR MOZ MMR NAM NRU NPL NLD NCL NZL NIC NER NGA NIU NFK MKD MNP NOR OMN
PAK PLW PSE PAN PNG PRY PER PHL PCN POL PRT PRI QAT REU ROU RUS RWA BLM SHN KNA LCA MAF SPM VCT
WSM SMR STP SAU SEN SRB SYC SLE SGP SXM SVK SVN SLB SOM ZAF SGS SSD ESP LKA SDN SUR SJM SWE CHE
SYR TWN TJK TZA THA TLS TGO TKL TON TTO TUN TUR TKM TCA TUV UGA UKR ARE GBR USA UMI URY UZB VUT
VEN VNM VGB VIR WLF ESH YEM ZMB ZWE
""".split())

# ICAO 9303 Part 3 §5: Germany is "D" (written D<< in the MRZ), British nationals' variants,
# organisations, persons without a nationality, and the specimen state Utopia.
ICAO_SPECIAL = frozenset("""
D GBD GBN GBO GBP GBS EUE UNO UNA UNK RKS XBA XIM XCC XCE XCO XDC XEC XES XMP XOM XPO XXA XXB XXC
XXX UTO
""".split())

MRZ_CODES = ISO_ALPHA3 | ICAO_SPECIAL


def is_known(code: str) -> bool:
    """``code`` as it stands in the MRZ, fillers included (``D<<``)."""
    return code.replace("<", "") in MRZ_CODES


def to_iso(code: str) -> str:
    """MRZ code to ISO alpha-3, for comparing with the applicant's entry (D -> DEU)."""
    code = code.replace("<", "").upper()
    return "DEU" if code == "D" else code
