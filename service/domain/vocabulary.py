"""The built-in Swedish vocabulary: common headings for the standard APT and samverkansgrupp items.

Each group lists headings that mean the same agenda item. A group applies to an agenda item when
the item's title (or one of its configured aliases) is in the group; the other headings of the
group then match that item too.
"""

from __future__ import annotations

GROUPS: tuple[tuple[str, ...], ...] = (
    ("Mötets öppnande", "Mötet öppnas", "Öppnande", "Mötets öppning", "Öppning", "Inledning",
     "Välkommen", "Välkomna", "Mötet öppnades"),
    ("Val av justerare", "Justerare", "Val av justerare att justera protokollet",
     "Val av protokolljusterare", "Justering", "Val av sekreterare och justerare"),
    ("Godkännande av dagordning", "Dagordning", "Fastställande av dagordning", "Godkänna dagordningen",
     "Dagordningen"),
    ("Föregående minnesanteckningar", "Föregående möte", "Föregående mötes anteckningar",
     "Föregående anteckningar", "Förra mötet", "Förra mötets anteckningar", "Uppföljning föregående möte",
     "Uppföljning från förra mötet", "Genomgång av föregående minnesanteckningar", "Föregående protokoll",
     "Föregående mötesprotokoll", "Uppföljning", "Förra minnesanteckningarna",
     "Minnesanteckningar från förra mötet"),
    ("Verksamhetsfrågor", "Verksamhet", "Information från chef", "Information från chefen",
     "Chefen informerar", "Chef informerar", "Information från enhetschef", "Enhetschefen informerar",
     "Verksamhetsinformation",
     "Information från ledningen", "Info från chef", "Verksamhetsfrågor och information"),
    ("Information från rektor", "Rektor informerar", "Rektorn informerar", "Information från rektorn",
     "Info från rektor"),
    ("Arbetsmiljö och hälsa", "Arbetsmiljö", "AM", "Arbetsmiljöfrågor", "Arbetsmiljö & hälsa",
     "Arbetsmiljö o hälsa", "Hälsa och arbetsmiljö", "Systematiskt arbetsmiljöarbete", "SAM",
     "Arbetsmiljö och säkerhet", "Arbetsmiljö, hälsa", "Hälsa", "Arbetsmiljöfrågor och hälsa",
     "Arbetsmiljö och hälsofrågor"),
    ("Jämställdhet och mångfald", "Jämställdhet", "Mångfald", "Likabehandling",
     "Jämställdhet, mångfald och likabehandling", "Diskriminering och likabehandling", "Lika villkor"),
    ("Ekonomi och budget", "Ekonomi", "Budget", "Ekonomi/budget", "Ekonomisk uppföljning", "Ekonomi & budget",
     "Ekonomi o budget", "Budget och ekonomi", "Budgetuppföljning", "Ekonomiskt läge", "Ekonomisk rapport"),
    ("Facklig information", "Fackligt", "Facklig info", "Fackliga frågor", "Information från facket",
     "Facket informerar", "Fackliga informationer", "Information från fackliga företrädare"),
    ("Elevhälsa", "Elevhälsoarbete", "EHT", "Elevhälsoteam"),
    ("Skolans utvecklingsarbete", "Utvecklingsarbete", "Skolutveckling", "Pedagogisk utveckling"),
    ("Information enligt MBL 19 §", "MBL 19 §", "Information MBL 19", "Information enligt MBL",
     "MBL-information", "MBL § 19", "Information enligt 19 § MBL"),
    ("Förhandling enligt MBL 11 §", "MBL 11 §", "Förhandling MBL 11", "MBL § 11"),
    ("Övriga frågor", "Övrigt", "Övr", "Övr.", "Övr. frågor", "Övr frågor", "Övriga ärenden",
     "Övriga punkter",
     "Övrig information", "Eventuellt övrigt", "Övriga frågor och information"),
    ("Nästa möte", "Nästa APT", "Nästa träff", "Kommande möte", "Nästa mötesdatum", "Nästa sammanträde",
     "Nästa möten", "Datum för nästa möte", "Nästa arbetsplatsträff", "Kommande möten"),
    ("Any other business", "AOB", "A.O.B.", "Other business", "Any other matters", "Other matters",
     "Other questions", "Miscellaneous"),
    ("Opening of the meeting", "Opening", "Welcome", "Meeting opened", "Opening and welcome"),
    ("Previous minutes", "Minutes of the last meeting", "Minutes of the previous meeting", "Matters arising",
     "Previous meeting", "Follow-up from the last meeting", "Last meeting"),
    ("Next meeting", "Date of next meeting", "Next meeting date", "Date of the next meeting"),
    ("Work environment and health", "Work environment", "Working environment", "Health and safety",
     "Work environment and safety"),
    ("Budget", "Finance", "Finances", "Budget and finance", "Budget update", "Financial update"),
    ("Updates from the head of unit", "Head of unit update", "Update from the head of unit",
     "Manager's update", "Updates from the manager", "Information from the manager", "Head of unit"),
    ("Closing of the meeting", "Closing", "Meeting closed", "Close of meeting"),
    ("Mötets avslutande", "Mötet avslutas", "Avslutning", "Avslut", "Mötets avslut", "Mötet avslutades",
     "Avslutande"),
)
"""Groups of headings that mean the same item; the first is the usual title."""
