"""Swedish pages by default; English when asked with ``?lang=en`` (remembered in the session).

A workplace's own pages (its list of minutes, one minutes page) are in that workplace's language unless
the reader has chosen a language with the switch: :func:`prefer` sets it for the request.
"""

from __future__ import annotations

from flask import Flask, g, request, session

LANGUAGES = ("sv", "en")
"""Languages the pages can be shown in; the first is the default."""

ENGLISH = {
    "answer_title_confirm": "Confirm minutes",
    "answer_title_approval": "Approve (justera) the minutes",
    "answer_title_release": "Release held minutes",
    "answer_button_confirm": "Yes, I sent them – send them out",
    "answer_button_approval": "I approve the minutes (justerat)",
    "answer_button_release": "Release the minutes as they are",
    "answer_intro_approval": "You are asked to approve these minutes before anyone else receives them. Read "
    "the draft attached to the email first.",
    "answer_intro_release": "The minutes were held because they contain personal details. Release them "
    "only if those details may go to everyone; the release is recorded.",
    "answer_other_confirm": "Did you not send them? Then do nothing, or reply NO to the email; they "
    "are never sent.",
    "answer_other_approval": "Something to change? Reply to the email with your comment instead; the "
    "note-taker gets it.",
    "answer_other_release": "Otherwise the note-taker sends corrected minutes, which replace these.",
    "Tack! Ditt svar är registrerat.": "Thank you! Your answer is recorded.",
    "Länken är redan använd eller har gått ut.": "The link has already been used or has expired.",
    "answer_intro_confirm": "Minutes were sent to Minnes in your name, but the mail system could not vouch "
    "that they came from you. Nobody has received them yet. If you sent them, press the button and they "
    "go out.",
    "Arkiv": "Archive",
    "Kontrollera PDF": "Verify a PDF",
    "Utkorg": "Outbox",
    "In English": "In English",
    "På svenska": "På svenska",
    "Minnesanteckningar": "Minutes",
    "Sök i minnesanteckningarna": "Search the minutes",
    "Sök": "Search",
    "Arbetsplatser": "Workplaces",
    "personer": "people",
    "Senaste minnesanteckningarna": "Latest minutes",
    "Träffar för": "Results for",
    "Inga träffar.": "No results.",
    "Visa alla": "Show all",
    "Möte": "Meeting",
    "Arbetsplats": "Workplace",
    "Status": "Status",
    "Version": "Version",
    "rättad version": "corrected version",
    "gällande": "current",
    "ersatt": "replaced",
    "ersatt av version": "replaced by version",
    "Versioner": "Versions",
    "signerad": "signed",
    "Det här är en äldre version av minnesanteckningarna.": "This is an earlier version of the minutes.",
    "Gällande version är version": "The current version is version",
    "Ändringar mot version": "Changes from version",
    "Ändringar mot förra versionen": "Changes from the earlier version",
    "Inget i innehållet har ändrats.": "Nothing in the content changed.",
    "Justerat av": "Approved by",
    "Öppna åtgärder från tidigare möten": "Open actions from earlier meetings",
    "Klara åtgärder från tidigare möten": "Actions from earlier meetings now done",
    "Från mötet": "From the meeting",
    "försenad": "overdue",
    "Inga minnesanteckningar ännu. Mejla ett utkast till arbetsplatsens brevlåda.": (
        "No minutes yet. Email a draft to the workplace's mailbox."
    ),
    "Inga minnesanteckningar ännu.": "No minutes yet.",
    "PDF": "PDF",
    "Ladda ner": "Download",
    "Minnesanteckningar –": "Minutes –",
    "Datum": "Date",
    "Tid": "Time",
    "Plats": "Place",
    "Organisation": "Organisation",
    "Signerad PDF": "Signed PDF",
    "PDF:en signeras…": "The PDF is being signed…",
    "Närvaro och roller": "Attendance and roles",
    "Närvarande": "Present",
    "Frånvarande": "Absent",
    "Ordförande": "Chair",
    "Antecknare": "Note-taker",
    "Justerare": "Approvers",
    "Skyddsombud": "Safety representative",
    "Inget skyddsombud angivet": "No safety representative named",
    "Beslut": "Decisions",
    "Åtgärd": "Action",
    "Ansvarig": "Owner",
    "Klart senast": "Due",
    "Ej angiven": "Not given",
    "Punkt": "Item",
    "Punkten behandlades inte.": "Not covered.",
    "Inga anteckningar.": "No notes.",
    "Övriga frågor": "Any other business",
    "Sammanställning av åtgärder": "Summary of actions",
    "Inga åtgärder beslutades.": "No actions were agreed.",
    "Utskick": "Delivery",
    "Alla": "All",
    "mottagare har fått minnesanteckningarna.": "recipients have received the minutes.",
    "av": "of",
    "mottagare nådda.": "recipients reached.",
    "Inte nådda": "Not reached",
    "Väntar": "Waiting",
    "Utskicket har inte börjat.": "Delivery has not started.",
    "Mottagare": "Recipient",
    "Roll": "Role",
    "Skickat": "Sent",
    "Visa svar från e-postservern": "Show the mail server's answers",
    "Svar": "Answer",
    "Kontrollera en PDF": "Verify a PDF",
    "verify_intro": "Upload minutes as a PDF to learn whether they are authentic and unchanged. "
    "The file is not stored.",
    "PDF-fil": "PDF file",
    "Kontrollera": "Verify",
    "Äkta och oförändrad": "Authentic and unchanged",
    "Inte giltig": "Not valid",
    "Signerad av": "Signed by",
    "Signaturnivå": "Signature level",
    "Tidsstämplar från": "Time stamps from",
    "Signerad": "Signed",
    "Minnesanteckningarna": "The minutes",
    "Finns inte i arkivet.": "Not in this archive.",
    "Filens kontrollsumma (SHA-256)": "File checksum (SHA-256)",
    "Välj en PDF-fil att kontrollera.": "Choose a PDF file to verify.",
    "Filen är ingen PDF.": "The file is not a PDF.",
    "Till": "To",
    "Ämne": "Subject",
    "Slag": "Kind",
    "Fil": "File",
    "Utkorgen är tom.": "The outbox is empty.",
    "Utskick går via SMTP; utkorgen används inte.": "Mail is sent over SMTP; the outbox is not used.",
    "outbox_intro": "Mail Minnes has sent, kept as files because delivery goes to the outbox.",
    "Sidan finns inte": "Page not found",
    "Till arkivet": "To the archive",
    "datum saknas": "no date",
    "Filen är för stor.": "The file is too large.",
    "Detalj": "Detail",
    "{rest} av filens {total} signaturer kontrollerades inte: högst {most} kontrolleras.": (
        "{rest} of the file's {total} signatures were not examined: at most {most} are."
    ),
    "Filen kunde inte läsas som PDF: den är trasig, ofullständig eller ingen PDF.": (
        "The file could not be read as a PDF: it is damaged, incomplete or not a PDF."
    ),
    "Kontrollen avbröts: filen krävde mer än {cpu} s processortid. "
    "Minnesanteckningar från Minnes kontrolleras på en bråkdel av den tiden.": (
        "The check was stopped: the file needed more than {cpu} s of processor time. "
        "Minutes from Minnes are checked in a fraction of that."
    ),
    "Kontrollen avbröts: filen krävde mer än {memory} MB minne. "
    "Minnesanteckningar från Minnes kräver en bråkdel av det.": (
        "The check was stopped: the file needed more than {memory} MB of memory. "
        "Minutes from Minnes need a fraction of that."
    ),
    "Kontrollen avbröts: den tog längre tid än {wall} s.": (
        "The check was stopped: it took longer than {wall} s."
    ),
    "Filen kunde inte kontrolleras: kontrollen avbröts oväntat.": (
        "The file could not be checked: the check ended unexpectedly."
    ),
    "Kontrollen är upptagen just nu. Försök igen om en stund.": (
        "The checker is busy. Please try again shortly."
    ),
    "För många kontroller från din adress. Vänta en stund och försök igen.": (
        "Too many checks from your address. Please wait a while and try again."
    ),
    # Search, lists a page at a time, open actions (issue 12).
    "1 träff": "1 hit",
    "träffar, de bästa först": "hits, best first",
    "över 1 000 träffar, de senaste först": "over 1,000 hits, newest first",
    "Alla arbetsplatser": "All workplaces",
    "År": "Year",
    "Alla år": "All years",
    "Sök i arbetsplatsens minnesanteckningar": "Search this workplace's minutes",
    "Sidor": "Pages",
    "Sida": "Page",
    "Föregående": "Previous",
    "Föregående sida": "Previous page",
    "Nästa": "Next",
    "Nästa sida": "Next page",
    "Inga fler minnesanteckningar.": "No more minutes.",
    "Till första sidan": "To the first page",
    "Öppna åtgärder": "Open actions",
    "Inga öppna åtgärder.": "No open actions.",
    "Inga fler åtgärder.": "No more actions.",
    "Markera": "Mark",
    "Markera som klar": "Mark as done",
    "Markera som klar:": "Mark as done:",
    "Åtgärden är markerad som klar.": "The action is marked done.",
    # The layout (base.html, 404.html, unavailable.html) and the accessibility statement.
    "Filen kan inte hämtas just nu": "The file cannot be fetched right now",
    "storage_unavailable": "The archive's storage did not give back the file. Try again in a while; if it "
    "goes on, tell whoever runs Minnes (the error is in its log).",
    "Hoppa till innehållet": "Skip to content",
    "Huvudmeny": "Main menu",
    "Granskningslogg": "Audit log",
    "Inloggad som": "Logged in as",
    "Logga ut": "Log out",
    "Tillgänglighetsredogörelse": "Accessibility statement",
    # Login, logout, the admin pages (outbox, deliveries, audit log).
    "Logga in": "Log in",
    "Du är inloggad som": "You are logged in as",
    "E-postadress": "Email address",
    "Skicka inloggningslänk": "Send login link",
    "Skriv din e-postadress, till exempel namn@exempelby.se.": "Enter your email address, for example "
    "name@exempelby.se.",
    "login_intro": "Enter your work email address. If it is on a workplace's list, you get an email with a "
    "link that logs you in.",
    "login_privacy": "The link works once, for 15 minutes, and only in this browser.",
    "Kolla din e-post": "Check your email",
    "login_sent": "If the address is known to us, we have sent a link. It works once, for 15 minutes.",
    "login_sent_same_browser": "Open the link in this browser: it does not work in another one.",
    "Begär en ny länk": "Ask for a new link",
    "login_sso": "Log in through your organisation's single sign-on. If you came here from a link, "
    "log in there first and open the link again.",
    "Försök igen": "Try again",
    "login_link_intro": "Press the button to log in to Minnes.",
    "Länken fungerar inte längre": "The link no longer works",
    "Länken fungerar inte längre – begär en ny": "The link no longer works – ask for a new one",
    "login_failed_unknown": "This link is not one of ours, or it has been cut short.",
    "login_failed_used": "This link has already been used.",
    "login_failed_expired": "This link has expired.",
    "login_failed_browser": "This link was asked for in another browser. Open it in the browser you asked "
    "for it in.",
    "login_failed_why": "A login link works once, for 15 minutes, in the browser that asked for it.",
    "audit_intro": "Who logged in, viewed, downloaded, approved or released what, and when. Nothing here "
    "can be changed or removed.",
    "Filtrera": "Filter",
    "Vem (e-postadress)": "Who (email address)",
    "Händelse": "Event",
    "Händelser": "Events",
    "Från och med (datum)": "From (date)",
    "Till och med (datum)": "To (date)",
    "Några filter kunde inte läsas och används inte:": "Some filters could not be read and are not used:",
    "Visa": "Show",
    "Exportera som CSV": "Export as CSV",
    "Vem": "Who",
    "Vad": "What",
    "Klient": "Client",
    "Inga händelser.": "No events.",
    "Nyare": "Newer",
    "Äldre": "Older",
    "audit_action_login_requested": "Login link asked for",
    "audit_action_login": "Login",
    "audit_action_login_failed": "Failed login",
    "audit_action_logout": "Logout",
    "audit_action_view": "Viewed",
    "audit_action_download": "Downloaded",
    "audit_action_approval": "Approval",
    "audit_action_confirmation": "Confirmation",
    "audit_action_release": "Release",
    "audit_action_action_done": "Action marked done",
    "audit_action_removal": "Removal",
    "audit_action_export": "Export",
    "outbox_admin_intro": "Mail Minnes has queued and sent: addresses, kinds and states, never the minutes' "
    "text.",
    "Mejl från Minnes": "Mail from Minnes",
    "Skapat": "Created",
    "Försök": "Attempts",
    "Inga mejl ännu.": "No mail yet.",
    "Utskick per version": "Delivery per version",
    "Nådda": "Reached",
    "Utkorgsmappen": "The outbox folder",
    "Till utkorgen": "To the outbox",
    "Adress": "Address",
    "Senaste svar": "Last answer",
}
"""English for every Swedish text on the pages; the Swedish text is the key."""


def language() -> str:
    """Return the language of this request."""
    return getattr(g, "lang", LANGUAGES[0])


def prefer(wanted: str) -> None:
    """Show this request's page in a workplace's language, unless the reader chose one with the switch."""
    if wanted in LANGUAGES and not getattr(g, "lang_chosen", False):
        g.lang = wanted


def translate(text: str) -> str:
    """Return a page text in the request's language."""
    if language() == "en":
        return ENGLISH.get(text, text)
    if text in SWEDISH_LONG:
        return SWEDISH_LONG[text]
    return text


SWEDISH_LONG = {
    "verify_intro": "Ladda upp minnesanteckningar som PDF för att se om de är äkta och oförändrade. "
    "Filen sparas inte.",
    "outbox_intro": "Mejl som Minnes har skickat, sparade som filer eftersom utskicket går till utkorgen.",
    "answer_title_confirm": "Bekräfta minnesanteckningar",
    "answer_title_approval": "Justera minnesanteckningarna",
    "answer_title_release": "Släpp stoppade minnesanteckningar",
    "answer_button_confirm": "Ja, jag skickade dem – skicka ut",
    "answer_button_approval": "Jag justerar minnesanteckningarna",
    "answer_button_release": "Släpp anteckningarna som de är",
    "answer_intro_approval": "Du ombeds justera minnesanteckningarna innan någon annan får dem. Läs utkastet "
    "som bifogades mejlet först.",
    "answer_intro_release": "Anteckningarna stoppades eftersom de innehåller personuppgifter. Släpp "
    "dem bara om uppgifterna får gå ut till alla; att du släppte dem registreras.",
    "answer_other_approval": "Något att ändra? Svara på mejlet med din kommentar i stället; "
    "antecknaren får den.",
    "answer_other_release": "Annars skickar antecknaren rättade anteckningar, som ersätter de här.",
    "answer_intro_confirm": "Minnesanteckningar skickades till Minnes i ditt namn, men e-postsystemet kunde "
    "inte intyga att de kom från dig. Ingen har fått dem än. Om du skickade dem, tryck på knappen så "
    "skickas de ut.",
    "answer_other_confirm": "Skickade du dem inte? Gör ingenting, eller svara NEJ på mejlet; då skickas de "
    "aldrig.",
    "storage_unavailable": "Arkivets lagring lämnade inte ut filen. Försök igen om en stund; fortsätter "
    "det, säg till den som driver Minnes (felet står i dess logg).",
    # Login and the admin pages.
    "login_intro": "Skriv din e-postadress på jobbet. Om den finns på en arbetsplats lista får du ett mejl "
    "med en länk som loggar in dig.",
    "login_privacy": "Länken fungerar en gång, i 15 minuter och bara i den här webbläsaren.",
    "login_sent": "Om adressen finns hos oss har vi skickat en länk. Den fungerar en gång, i 15 minuter.",
    "login_sent_same_browser": "Öppna länken i den här webbläsaren: i en annan fungerar den inte.",
    "login_sso": "Logga in via din organisations gemensamma inloggning. Kom du hit från en länk, logga "
    "in där först och öppna länken igen.",
    "login_link_intro": "Tryck på knappen för att logga in i Minnes.",
    "login_failed_unknown": "Länken är inte vår, eller så har den kapats av.",
    "login_failed_used": "Länken är redan använd.",
    "login_failed_expired": "Länken har gått ut.",
    "login_failed_browser": "Länken begärdes i en annan webbläsare. Öppna den i webbläsaren du "
    "begärde den i.",
    "login_failed_why": "En inloggningslänk fungerar en gång, i 15 minuter, i webbläsaren som begärde den.",
    "audit_intro": "Vem som loggade in, läste, laddade ner, justerade eller släppte vad, och när. Inget här "
    "kan ändras eller tas bort.",
    "audit_action_login_requested": "Inloggningslänk begärd",
    "audit_action_login": "Inloggning",
    "audit_action_login_failed": "Misslyckad inloggning",
    "audit_action_logout": "Utloggning",
    "audit_action_view": "Läst",
    "audit_action_download": "Nedladdat",
    "audit_action_approval": "Justering",
    "audit_action_confirmation": "Bekräftelse",
    "audit_action_release": "Släppt",
    "audit_action_action_done": "Åtgärd markerad klar",
    "audit_action_removal": "Borttagning",
    "audit_action_export": "Export",
    "outbox_admin_intro": "Mejl som Minnes har köat och skickat: adresser, slag och status, aldrig "
    "minnesanteckningarnas text.",
}
"""Swedish for the longer texts that have a short key."""


def register(app: Flask) -> None:
    """Pick the language per request and offer ``_`` to the templates."""

    @app.before_request
    def pick_language() -> None:
        asked = request.args.get("lang")
        if asked in LANGUAGES:
            session["lang"] = asked
        g.lang_chosen = session.get("lang") in LANGUAGES
        g.lang = session["lang"] if g.lang_chosen else LANGUAGES[0]

    @app.context_processor
    def language_helpers() -> dict:
        return {"_": translate, "lang": language()}
