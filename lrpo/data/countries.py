"""The region names a labeller may give: countries and territories, in English short form.

The paper's regions are countries. Names are the common English short forms (the
193 UN member states, the two observer states, and territories that questions
treat as regions of their own: Taiwan, Hong Kong, Macau, Kosovo, Puerto Rico);
``ALIASES`` maps frequent variants onto them, so "USA" and "the United States"
become one router row.
"""

from __future__ import annotations

COUNTRIES = tuple(sorted("""
Afghanistan|Albania|Algeria|Andorra|Angola|Antigua and Barbuda|Argentina|Armenia|Australia|Austria|
Azerbaijan|Bahamas|Bahrain|Bangladesh|Barbados|Belarus|Belgium|Belize|Benin|Bhutan|Bolivia|
Bosnia and Herzegovina|Botswana|Brazil|Brunei|Bulgaria|Burkina Faso|Burundi|Cabo Verde|Cambodia|Cameroon|
Canada|Central African Republic|Chad|Chile|China|Colombia|Comoros|Congo|Costa Rica|Côte d'Ivoire|Croatia|
Cuba|Cyprus|Czechia|Democratic Republic of the Congo|Denmark|Djibouti|Dominica|Dominican Republic|Ecuador|
Egypt|El Salvador|Equatorial Guinea|Eritrea|Estonia|Eswatini|Ethiopia|Fiji|Finland|France|Gabon|Gambia|
Georgia|Germany|Ghana|Greece|Grenada|Guatemala|Guinea|Guinea-Bissau|Guyana|Haiti|Honduras|Hungary|Iceland|
India|Indonesia|Iran|Iraq|Ireland|Israel|Italy|Jamaica|Japan|Jordan|Kazakhstan|Kenya|Kiribati|Kuwait|
Kyrgyzstan|Laos|Latvia|Lebanon|Lesotho|Liberia|Libya|Liechtenstein|Lithuania|Luxembourg|Madagascar|Malawi|
Malaysia|Maldives|Mali|Malta|Marshall Islands|Mauritania|Mauritius|Mexico|Micronesia|Moldova|Monaco|
Mongolia|Montenegro|Morocco|Mozambique|Myanmar|Namibia|Nauru|Nepal|Netherlands|New Zealand|Nicaragua|Niger|
Nigeria|North Korea|North Macedonia|Norway|Oman|Pakistan|Palau|Panama|Papua New Guinea|Paraguay|Peru|
Philippines|Poland|Portugal|Qatar|Romania|Russia|Rwanda|Saint Kitts and Nevis|Saint Lucia|
Saint Vincent and the Grenadines|Samoa|San Marino|Sao Tome and Principe|Saudi Arabia|Senegal|Serbia|
Seychelles|Sierra Leone|Singapore|Slovakia|Slovenia|Solomon Islands|Somalia|South Africa|South Korea|
South Sudan|Spain|Sri Lanka|Sudan|Suriname|Sweden|Switzerland|Syria|Tajikistan|Tanzania|Thailand|
Timor-Leste|Togo|Tonga|Trinidad and Tobago|Tunisia|Turkey|Turkmenistan|Tuvalu|Uganda|Ukraine|
United Arab Emirates|United Kingdom|United States|Uruguay|Uzbekistan|Vanuatu|Vatican City|Venezuela|Vietnam|
Yemen|Zambia|Zimbabwe|Palestine|Taiwan|Hong Kong|Macau|Kosovo|Puerto Rico
""".replace("\n", "").split("|")))

ALIASES = {
    "usa": "United States", "us": "United States", "u.s.": "United States", "u.s.a.": "United States",
    "united states of america": "United States", "america": "United States",
    "uk": "United Kingdom", "u.k.": "United Kingdom", "great britain": "United Kingdom",
    "britain": "United Kingdom",
    "england": "United Kingdom", "scotland": "United Kingdom", "wales": "United Kingdom",
    "korea": "South Korea", "republic of korea": "South Korea", "dprk": "North Korea",
    "prc": "China", "mainland china": "China", "people's republic of china": "China",
    "russian federation": "Russia", "viet nam": "Vietnam", "czech republic": "Czechia", "holland": "Netherlands",
    "the netherlands": "Netherlands", "turkiye": "Turkey", "türkiye": "Turkey", "ivory coast": "Côte d'Ivoire",
    "cape verde": "Cabo Verde", "swaziland": "Eswatini", "burma": "Myanmar", "east timor": "Timor-Leste",
    "uae": "United Arab Emirates", "macao": "Macau", "hongkong": "Hong Kong", "persia": "Iran",
    "lao pdr": "Laos", "holy see": "Vatican City", "state of palestine": "Palestine",
}

_BY_LOWER = {name.lower(): name for name in COUNTRIES}


def canonical_country(name: str) -> str | None:
    """The list's spelling of a country name or alias (case and a leading "the" ignored);
    None when it is not a country of the list."""
    key = " ".join(str(name).strip().lower().split())
    if key.startswith("the "):
        key = key[4:]
    return _BY_LOWER.get(key) or ALIASES.get(key) or ALIASES.get(f"the {key}")
