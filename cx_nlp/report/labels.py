"""Words of the report in Italian and English (``--lang it|en``), and number formatting."""

# ruff: noqa: RUF001  (the report is typeset: minus signs, en dashes, multiplication signs)

from __future__ import annotations

from enum import StrEnum

from cx_nlp.schema import Channel, CxForce, Emotion, Polarity, SentimentLabel


class ReportLanguage(StrEnum):
    """Languages the report can be written in."""

    IT = "it"
    EN = "en"


NAMES: dict[ReportLanguage, dict[str, str]] = {
    ReportLanguage.IT: {
        CxForce.FAIRNESS: "Trattamento equo",
        CxForce.CERTAINTY: "Certezza",
        CxForce.CONTROL: "Controllo",
        CxForce.STATUS: "Status",
        CxForce.BELONGING: "Appartenenza",
        CxForce.ENJOYMENT: "Divertimento",
        Emotion.ANGER: "Rabbia",
        Emotion.ANTICIPATION: "Attesa",
        Emotion.DISGUST: "Disgusto",
        Emotion.FEAR: "Paura",
        Emotion.JOY: "Gioia",
        Emotion.SADNESS: "Tristezza",
        Emotion.SURPRISE: "Sorpresa",
        Emotion.TRUST: "Fiducia",
        SentimentLabel.NEGATIVE: "Negativo",
        SentimentLabel.NEUTRAL: "Neutro",
        SentimentLabel.POSITIVE: "Positivo",
        Channel.REVIEW: "Recensioni",
        Channel.SOCIAL: "Social",
        Channel.SURVEY: "Sondaggi",
        Channel.SMS: "SMS",
        Channel.EMAIL: "E-mail",
        Channel.CHAT: "Chat",
        Channel.OTHER: "Altro",
    },
    ReportLanguage.EN: {
        CxForce.FAIRNESS: "Fair treatment",
        CxForce.CERTAINTY: "Certainty",
        CxForce.CONTROL: "Control",
        CxForce.STATUS: "Status",
        CxForce.BELONGING: "Belonging",
        CxForce.ENJOYMENT: "Enjoyment",
        Emotion.ANGER: "Anger",
        Emotion.ANTICIPATION: "Anticipation",
        Emotion.DISGUST: "Disgust",
        Emotion.FEAR: "Fear",
        Emotion.JOY: "Joy",
        Emotion.SADNESS: "Sadness",
        Emotion.SURPRISE: "Surprise",
        Emotion.TRUST: "Trust",
        SentimentLabel.NEGATIVE: "Negative",
        SentimentLabel.NEUTRAL: "Neutral",
        SentimentLabel.POSITIVE: "Positive",
        Channel.REVIEW: "Reviews",
        Channel.SOCIAL: "Social",
        Channel.SURVEY: "Surveys",
        Channel.SMS: "SMS",
        Channel.EMAIL: "E-mail",
        Channel.CHAT: "Chat",
        Channel.OTHER: "Other",
    },
}

# Polarity words differ from sentiment words in Italian (forces: "positiva"/"negativa").
POLARITY: dict[ReportLanguage, dict[Polarity, str]] = {
    ReportLanguage.IT: {Polarity.POSITIVE: "positiva", Polarity.NEGATIVE: "negativa"},
    ReportLanguage.EN: {Polarity.POSITIVE: "positive", Polarity.NEGATIVE: "negative"},
}

TEXTS: dict[ReportLanguage, dict[str, str]] = {
    ReportLanguage.IT: {
        "title": "Report sull'esperienza cliente",
        "source": "File analizzato",
        "generated": "Generato il",
        "period": "Periodo",
        "nav": "Sezioni",
        "overview": "Sintesi",
        "volume": "Volumi",
        "sentiment": "Sentiment",
        "emotions": "Emozioni",
        "forces": "Le sei forze della CX",
        "topics": "Temi",
        "scores": "NPS, CSAT e CES",
        "drivers": "Driver del punteggio",
        "verbatims": "Verbatim",
        "method": "Come leggere il report",
        "read": "Righe lette",
        "analysed": "Feedback analizzati",
        "rejected": "Righe scartate",
        "rejected_by": "Scartate per motivo",
        "mean_sentiment": "Sentiment medio (−1…1)",
        "by_channel": "Per canale",
        "over_time": "Nel tempo",
        "by_period": "Per periodo",
        "feedback": "Feedback",
        "share": "Quota",
        "distribution": "Distribuzione",
        "trend": "Andamento",
        "by_segment": "Per segmento",
        "channel": "Canale",
        "language": "Lingua",
        "segment": "Segmento",
        "index": "Indice",
        "positive_mentions": "Menzioni positive",
        "negative_mentions": "Menzioni negative",
        "force": "Forza",
        "topic": "Tema",
        "mean_rating": "Voto medio",
        "mean_recommend": "Raccomandazione media",
        "nps": "NPS",
        "csat": "CSAT",
        "ces": "CES",
        "nps_help": "% promotori (9–10) − % detrattori (0–6)",
        "csat_help": "quota di voti 4–5 su 5 stelle",
        "ces_help": "punteggio medio di sforzo",
        "promoters": "Promotori",
        "passives": "Passivi",
        "detractors": "Detrattori",
        "responses": "Risposte",
        "target_rating": "Voto (stelle)",
        "target_recommend_score": "Raccomandazione (0–10)",
        "pain_points": "Punti critici: quanto salirebbe il punteggio medio se le menzioni "
        "negative fossero neutre",
        "strengths": "Punti di forza: quanto scenderebbe il punteggio medio se le menzioni "
        "positive fossero neutre",
        "theme": "Tema o forza",
        "mentions": "Menzioni",
        "mean_with": "Media con",
        "mean_reference": "Media se neutro",
        "effect": "Effetto",
        "ci": "IC 95%",
        "no_drivers": "Dati insufficienti per stimare i driver.",
        "no_scores": "Il file non ha voti né punteggi di raccomandazione o sforzo.",
        "no_topics": "Il file non ha temi: assegnali con cx-nlp score --topics MODELLO.",
        "no_dates": "Il file non ha date (created_at).",
        "no_data": "Nessun dato.",
        "no_examples": "Nessun esempio.",
        "others": "(altri)",
        "unknown": "(n.d.)",
        "outliers": "(non classificati)",
        "sort_hint": "Clic sull'intestazione per ordinare.",
        "evidence_hint": "In evidenza le frasi che mostrano la forza.",
        "rating": "Voto",
        "how_forces": "Indice delle forze: 100 × (quota di testi con la forza positiva − quota "
        "con la forza negativa), da −100 a 100. Una forza assente da un testo non conta né in "
        "positivo né in negativo.",
        "how_sentiment": "Sentiment e emozioni sono stimati per testo da modelli addestrati dal "
        "progetto; le quote sono calcolate sui feedback analizzati (le righe scartate sono "
        "escluse).",
        "how_drivers": "Driver: per ogni forza (con la sua polarità) e ogni tema (con il "
        "sentiment del testo) confrontiamo il punteggio medio dei testi che lo menzionano con "
        "quello dei testi in cui è neutro (per una forza: i testi senza quella forza; per un "
        "tema: i testi dello stesso tema con sentiment neutro). Effetto = quota dei testi con "
        "la menzione × (media se neutro − media con la menzione): è la variazione del punteggio "
        "medio complessivo se quelle menzioni fossero neutre. Intervallo di confidenza al 95% "
        "con bootstrap di Poisson (200 repliche, seme fisso). È un'associazione, non una prova "
        "di causalità; forze e temi si sovrappongono, quindi gli effetti non si sommano.",
        "how_scores": "NPS = % promotori (9–10) − % detrattori (0–6) del punteggio di "
        "raccomandazione; CSAT = quota di voti 4 o 5 sui voti da 1 a 5; CES = media del "
        "punteggio di sforzo.",
        "how_time": "Periodi in base all'estensione del file: giorni, settimane, mesi o trimestri.",
        "min_support": "Sono mostrati solo i temi con almeno {n} testi con la menzione e "
        "{n} testi di riferimento.",
    },
    ReportLanguage.EN: {
        "title": "Customer experience report",
        "source": "Scored file",
        "generated": "Generated on",
        "period": "Period",
        "nav": "Sections",
        "overview": "Overview",
        "volume": "Volume",
        "sentiment": "Sentiment",
        "emotions": "Emotions",
        "forces": "The six CX forces",
        "topics": "Topics",
        "scores": "NPS, CSAT and CES",
        "drivers": "Score drivers",
        "verbatims": "Verbatims",
        "method": "How to read this report",
        "read": "Rows read",
        "analysed": "Feedback analysed",
        "rejected": "Rows rejected",
        "rejected_by": "Rejected by reason",
        "mean_sentiment": "Mean sentiment (−1…1)",
        "by_channel": "By channel",
        "over_time": "Over time",
        "by_period": "By period",
        "feedback": "Feedback",
        "share": "Share",
        "distribution": "Distribution",
        "trend": "Trend",
        "by_segment": "By segment",
        "channel": "Channel",
        "language": "Language",
        "segment": "Segment",
        "index": "Index",
        "positive_mentions": "Positive mentions",
        "negative_mentions": "Negative mentions",
        "force": "Force",
        "topic": "Topic",
        "mean_rating": "Mean rating",
        "mean_recommend": "Mean recommendation",
        "nps": "NPS",
        "csat": "CSAT",
        "ces": "CES",
        "nps_help": "% promoters (9–10) − % detractors (0–6)",
        "csat_help": "share of 4–5 ratings on 5 stars",
        "ces_help": "mean effort score",
        "promoters": "Promoters",
        "passives": "Passives",
        "detractors": "Detractors",
        "responses": "Responses",
        "target_rating": "Rating (stars)",
        "target_recommend_score": "Recommendation (0–10)",
        "pain_points": "Pain points: how much the mean score would rise if the negative "
        "mentions were neutral",
        "strengths": "Strengths: how much the mean score would fall if the positive mentions "
        "were neutral",
        "theme": "Topic or force",
        "mentions": "Mentions",
        "mean_with": "Mean with",
        "mean_reference": "Mean if neutral",
        "effect": "Effect",
        "ci": "95% CI",
        "no_drivers": "Not enough data to estimate drivers.",
        "no_scores": "The file has no ratings, recommendation or effort scores.",
        "no_topics": "The file has no topics: assign them with cx-nlp score --topics MODEL.",
        "no_dates": "The file has no dates (created_at).",
        "no_data": "No data.",
        "no_examples": "No examples.",
        "others": "(others)",
        "unknown": "(n/a)",
        "outliers": "(unclassified)",
        "sort_hint": "Click a header to sort.",
        "evidence_hint": "Highlighted: the sentences that show the force.",
        "rating": "Rating",
        "how_forces": "Forces index: 100 × (share of texts with the force positive − share with "
        "it negative), from −100 to 100. A force absent from a text counts neither way.",
        "how_sentiment": "Sentiment and emotions are estimated per text by models trained by "
        "the project; shares are over the analysed feedback (rejected rows are left out).",
        "how_drivers": "Drivers: for each force (with its polarity) and each topic (with the "
        "text's sentiment) we compare the mean score of the texts that mention it with that of "
        "the texts where it is neutral (for a force: texts without that force; for a topic: "
        "texts of the same topic with neutral sentiment). Effect = share of texts with the "
        "mention × (mean if neutral − mean with the mention): the change in the overall mean "
        "score if those mentions were neutral. 95% confidence interval from a Poisson "
        "bootstrap (200 replicates, fixed seed). This is association, not proof of cause; "
        "forces and topics overlap, so effects do not add up.",
        "how_scores": "NPS = % promoters (9–10) − % detractors (0–6) of the recommendation "
        "score; CSAT = share of 4 or 5 among 1–5 ratings; CES = mean effort score.",
        "how_time": "Periods follow the span of the file: days, weeks, months or quarters.",
        "min_support": "Only themes with at least {n} texts with the mention and {n} reference "
        "texts are shown.",
    },
}


class Labels:
    """The words of one report language."""

    def __init__(self, language: ReportLanguage | str) -> None:
        self.language = ReportLanguage(language)

    def __getitem__(self, key: str) -> str:
        return TEXTS[self.language][key]

    def name(self, label: StrEnum) -> str:
        """Display name of a force, emotion, sentiment label or channel."""
        return NAMES[self.language][label]

    def polarity(self, polarity: Polarity) -> str:
        """``positiva``/``negativa`` (it) or ``positive``/``negative`` (en)."""
        return POLARITY[self.language][polarity]

    def number(self, value: float, digits: int = 1) -> str:
        """``value`` with ``digits`` decimals, a decimal comma in Italian, a true minus sign."""
        if round(value, digits) == 0:
            value = 0.0  # no "-0,00"
        text = f"{value:,.{digits}f}"
        if self.language is ReportLanguage.IT:
            text = text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
        return text.replace("-", "\u2212")

    def percent(self, share: float, digits: int = 1) -> str:
        """A 0..1 share as a percentage."""
        return f"{self.number(100.0 * share, digits)}%"

    def count(self, value: int) -> str:
        """An integer with thousands separators."""
        return self.number(float(value), 0)
