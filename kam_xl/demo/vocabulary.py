"""Vocabulary of the demo world: plain-text word lists with their weights, German/European flavour.

Industries, products, regions, legal forms, name parts, owners, complaint texts, competitors, buying-centre roles,
tender kinds and reasons, prospect notes; plus the few deliberately formula-looking texts. ``weights`` turns a
list of weights into probabilities.
"""

from __future__ import annotations

import numpy as np

INDUSTRIES = {  # industry -> words that go into company names; weight of the industry in the customer base
    "Mechanical engineering": (["Maschinenbau", "Anlagenbau", "Antriebstechnik", "Foerdertechnik"], 0.15),
    "Automotive supplier": (["Fahrzeugteile", "Automotive", "Zulieferteile", "Praezisionsteile"], 0.10),
    "Chemicals": (["Chemie", "Kunststoffe", "Lacke", "Polymere"], 0.08),
    "Food & beverage": (["Lebensmittel", "Feinkost", "Getränke", "Backwaren"], 0.08),
    "Logistics": (["Logistik", "Spedition", "Transporte", "Lagertechnik"], 0.09),
    "Construction": (["Bau", "Hochbau", "Baustoffe", "Tiefbau"], 0.09),
    "Electronics": (["Elektronik", "Elektrotechnik", "Sensorik", "Steuerungstechnik"], 0.09),
    "Healthcare": (["Medizintechnik", "Klinikbedarf", "Pharma", "Labortechnik"], 0.06),
    "Wholesale & retail": (["Handel", "Großhandel", "Versand", "Warenhaus"], 0.10),
    "Metalworking": (["Metallbau", "Stahlbau", "Metallwerke", "Gießerei"], 0.09),
    "Energy": (["Energie", "Solartechnik", "Stadtwerke", "Netztechnik"], 0.04),
    "IT services": (["Software", "Systemhaus", "IT-Service", "Datentechnik"], 0.03),
}
PRODUCTS = ["drive units", "control cabinets", "bearings", "sensors", "packaging film", "fasteners",
            "hydraulic parts", "cable harnesses", "spare parts", "lubricants", "pallets", "castings"]

REGIONS = {  # region -> (weight, phone prefix, web top-level domain)
    "Bavaria": (0.16, "089", "de"), "Baden-Württemberg": (0.15, "0711", "de"),
    "North Rhine-Westphalia": (0.18, "0221", "de"), "Hesse": (0.08, "069", "de"),
    "Lower Saxony": (0.08, "0511", "de"), "Saxony": (0.05, "0351", "de"), "Hamburg": (0.05, "040", "de"),
    "Berlin": (0.05, "030", "de"), "Austria": (0.06, "0043 1", "at"), "Switzerland": (0.05, "0041 44", "ch"),
    "Benelux": (0.04, "0031 20", "nl"), "France": (0.02, "0033 1", "fr"), "Poland": (0.02, "0048 22", "pl"),
    "United Kingdom": (0.01, "0044 20", "co.uk"),
}
LEGAL_FORMS = (["GmbH", "GmbH & Co. KG", "KG", "AG", "SE"], [0.55, 0.15, 0.12, 0.14, 0.04])

STEMS = ["Brand", "Kessel", "Nord", "Alt", "Rhein", "Weser", "Lind", "Sonn", "Eber", "Falk", "Gold", "Hoch",
         "Stein", "Wald", "Berg", "Elb", "Isar", "Main", "Kron", "Licht", "Silber", "Tann", "Adler", "Hansa",
         "Roth", "Lech", "Alpen", "Mosel", "Neck", "Donau", "Fels", "Kalt", "Ost", "West", "Sued", "Heid"]
ENDINGS = ["mann", "er", "hoff", "tec", "ora", "ex", "is", "on", "ing", "au", "ward", "hold", "werk", "ia",
           "stedt", "feld", "dorf", "bach", "heim", "lux"]
SURNAMES = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
            "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
            "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier",
            "Lehmann", "Huber", "Kaiser", "Fuchs", "Peters", "Jung", "Vogel", "Keller", "Bauer", "Janssen",
            "Dubois", "Kowalski", "Novak", "de Vries", "Rossi", "Berger", "Moser", "Gruber", "Frei"]
FIRST_NAMES = ["Anna", "Thomas", "Julia", "Michael", "Sabine", "Stefan", "Katrin", "Andreas", "Claudia",
               "Markus", "Petra", "Frank", "Nicole", "Jürgen", "Sandra", "Tobias", "Laura", "Florian",
               "Miriam", "Jan", "Lena", "Sebastian", "Eva", "Matthias", "Ines", "Lukas", "Sophie", "Daniel",
               "Marie", "Uwe", "Paul", "Hannah", "Oliver", "Birgit", "Marc", "Elif", "Piotr", "Chloé"]
OWNERS = (["Katharina Vogt", "Martin Brenner", "Selin Aydin", "Ralf Hinz", "Nadine Ewers", "Jonas Pohl",
           "Friederike Laux", "Tim Kaczmarek", "Heike Stolz", "Ben Albers"],
          [0.16, 0.14, 0.12, 0.11, 0.10, 0.10, 0.09, 0.07, 0.06, 0.05])
FOCUS = ["Family-owned, second generation.", "Part of an international group.", "Growing export business.",
         "Focus on custom solutions.", "Strong regional market position.", "Recently changed management.",
         "Consolidating its supplier base.", "Expanding production capacity.", "Known for demanding audits.",
         "Central purchasing for several plants."]

COMPLAINT_CATEGORIES = ["Delivery", "Quality", "Invoice", "Service", "Packaging"]
COMPLAINT_TEXTS = [  # one row per category, same order
    ["Delivery late by several days", "Partial delivery without notice", "Wrong items delivered",
     "Delivery to the wrong plant", "Missing delivery note"],
    ["Parts out of tolerance", "Surface defects on batch", "Material certificate missing",
     "Failure rate above agreement", "Wrong material grade"],
    ["Invoice amount incorrect", "Discount not applied", "Duplicate invoice", "Wrong VAT rate",
     "Order number missing on invoice"],
    ["No reply from customer service", "Technician arrived late", "Missed call-back",
     "Unclear answer to technical question", "Complaint not processed in time"],
    ["Packaging damaged", "Wrong labels on pallets", "Insufficient corrosion protection",
     "Too much packaging waste", "Pallets not stackable"],
]
SEVERITIES = ["low", "medium", "high"]

COMPETITORS = ["Nordmann Industrie", "Alpina Supply", "Rheintal Technik", "Baltic Parts", "Krone & Voss",
               "Meridian Components", "Steinhoff Handel", "Vistula Trade", "Helvetia Systems", "Oranje Supply",
               "Eisenwerk Kramer", "Lumen Automation"]
COMPETITOR_NOTES = ["Cheaper by about 5 %", "Strong local service team", "Framework agreement until next year",
                    "Approached purchasing at the trade fair", "Offers longer payment terms",
                    "Second source for critical parts", "Lost a tender there last year", "",
                    "Delivery times shorter than ours", "Visits the plant every month"]

ROLES = (["Decider", "Buyer", "User", "Influencer", "Gatekeeper", "Initiator"], [0.17, 0.23, 0.22, 0.18, 0.10, 0.10])
POSITIONS = {  # role -> typical positions
    "Decider": ["Managing Director", "CEO", "Head of Plant", "CFO"],
    "Buyer": ["Head of Purchasing", "Strategic Buyer", "Operative Buyer", "Category Manager"],
    "User": ["Production Manager", "Shift Supervisor", "Maintenance Manager", "Warehouse Manager"],
    "Influencer": ["Head of Engineering", "Quality Manager", "Design Engineer", "External Consultant"],
    "Gatekeeper": ["Assistant to the Board", "Purchasing Assistant", "Front Office", "IT Security Officer"],
    "Initiator": ["Project Engineer", "Head of R&D", "Process Engineer", "Product Manager"],
}
ATTITUDES = ["champion", "supporter", "neutral", "critic"]

TENDER_KINDS = ["Framework agreement", "Annual supply", "Project order", "Spare parts contract", "Pilot order"]
WIN_REASONS = ["price", "quality", "delivery time", "relationship", "specification"]
LOSS_REASONS = ["price", "quality", "delivery time", "relationship", "specification", "competitor"]

PROSPECT_NOTES = ["Met at the trade fair", "Referral from an existing customer", "Inbound web request",
                  "New plant under construction", "Unhappy with current supplier", "Budget round in Q1",
                  "Asked for a quotation", "Decision maker changed recently", ""]

# Deliberate formula-looking texts (few, fixed places) for the formula-injection defences downstream.
FORMULA_NAME = "+Plus Logistik GmbH"
FORMULA_NOTE = "=SUM(A1)"
FORMULA_PROSPECT_NOTE = "-15 % discount requested"


def weights(values) -> np.ndarray:
    p = np.asarray(list(values), dtype=float)
    return p / p.sum()

