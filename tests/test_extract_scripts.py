"""Pastes in Chinese, Japanese, Hindi and Urdu: the clean stage reads words, sentences, dates
and credits in scripts that do not space their words or that mark vowels with combining
signs, so a page in them keeps its article and loses its chrome like a page in English."""

from __future__ import annotations

import pytest

from ipwire.tasks.clean import extract_from_text
from ipwire.tasks.clean.dates import parse_date
from ipwire.tasks.clean.published import parse_stamp
from ipwire.tasks.clean.stamps import is_place_and_stamp, is_published_stamp
from ipwire.tasks.clean.words import word_count, words_of

SIMPLIFIED = [
    "新华社伊斯兰堡12月3日电，巴基斯坦外交部长周三在伊斯兰堡与到访的印度外交部长举行会谈，"
    "双方就两国关系、地区安全以及印度河水条约等问题交换了意见。",
    "巴方表示，愿意在相互尊重的基础上与印方恢复全面对话，通过和平方式解决包括克什米尔问题在内的"
    "一切分歧。印方则强调，恐怖主义问题是两国关系正常化的主要障碍。",
    "分析人士指出，这是两国外长近三年来首次正式会晤，具有重要的象征意义。双方同意在明年初举行"
    "新一轮副外长级磋商，并继续保持沟通。",
    "两国于1947年分治以来，曾多次爆发战争。近年来，两国关系时有紧张，边境地区的交火事件屡有发生，"
    "双边贸易也基本处于停滞状态。",
]
SIMPLIFIED_PAGE = "\n\n".join(
    ["首页", "国际", "国内", "体育", "印度和巴基斯坦外长会谈", "2025-12-03 10:21 来源：新华网"]
    + SIMPLIFIED
    + ["相关新闻", "中国外长会见巴基斯坦总理", "印度股市周三收涨"]
    + ["版权所有 © 2025 新闻网 京ICP备12345号"]
)

JAPANESE = [
    "パキスタンの外相は3日、首都イスラマバードでインドの外相と会談し、両国の関係や地域の安全保障、"
    "インダス川の水利条約などについて意見を交わしました。",
    "パキスタン側は、相互の尊重を前提にインドとの包括的な対話を再開し、カシミール問題を含むすべての"
    "対立を平和的に解決したいと述べました。これに対しインド側は、テロの問題が関係正常化の大きな障害"
    "だと強調しました。",
    "両国の外相が正式に会談するのは、およそ3年ぶりです。双方は来年の初めに次官級の協議を開くことで"
    "合意し、今後も連絡を続けることを確認しました。",
]
JAPANESE_PAGE = "\n\n".join(
    ["ニュース", "国際", "経済", "スポーツ", "ログイン"]
    + ["インドとパキスタン、外相会談で対話再開に合意", "2025年12月3日 10時21分"]
    + JAPANESE
    + ["シェアする", "関連記事", "インド株式市場、3日は上昇", "中国外相がパキスタン首相と会談"]
    + ["Copyright NHK (Japan Broadcasting Corporation) All rights reserved. 無断転載を禁じます。"]
)

TRADITIONAL_PAGE = "\n\n".join(
    [
        "首頁",
        "即時",
        "政治",
        "國際",
        "財經",
        "印巴外長會談 同意明年初恢復副外長級磋商",
        "2025年12月3日 上午10:21 來源：中央社",
        "（中央社伊斯蘭堡3日綜合外電報導）巴基斯坦外交部長今天在伊斯蘭堡與來訪的印度外交部長舉行會談，"
        "雙方就兩國關係、區域安全及印度河水條約等議題交換意見。",
        "巴方表示，願意在相互尊重的基礎上與印方恢復全面對話，以和平方式解決包括喀什米爾問題在內的所有"
        "分歧；印方則強調，恐怖主義是兩國關係正常化的主要障礙。",
        "分析人士指出，這是兩國外長近3年來首次正式會晤，具有重要象徵意義。雙方同意明年初舉行新一輪"
        "副外長級磋商。",
        "責任編輯：王小明",
        "相關新聞",
        "印度股市3日收漲",
        "中國外長會見巴基斯坦總理",
        "版權所有 © 2025 中央通訊社",
    ]
)


def _kinds(ex) -> dict[str, str]:
    return {b.text: b.kind for b in ex.stripped}


def test_a_chinese_page_paste_keeps_every_paragraph_and_loses_menu_rail_and_footer() -> None:
    ex = extract_from_text(SIMPLIFIED_PAGE)
    assert ex.text.split("\n\n") == SIMPLIFIED
    assert ex.title == "印度和巴基斯坦外长会谈"
    kinds = _kinds(ex)
    assert kinds["首页"] == "navigation"
    assert kinds["相关新闻"] == "related-links"
    assert kinds["印度股市周三收涨"] == "related-links"
    assert kinds["版权所有 © 2025 新闻网 京ICP备12345号"] == "footer"
    assert kinds["2025-12-03 10:21 来源：新华网"] == "byline"


def test_a_japanese_page_paste_takes_its_headline_as_title_and_its_stamp_as_the_date() -> None:
    ex = extract_from_text(JAPANESE_PAGE)
    assert ex.text.split("\n\n") == JAPANESE
    assert ex.title == "インドとパキスタン、外相会談で対話再開に合意"
    assert ex.published_at is not None and ex.published_at.startswith("2025-12-03")
    kinds = _kinds(ex)
    assert kinds["ログイン"] == "navigation"
    assert kinds["2025年12月3日 10時21分"] == "dateline"
    assert kinds["関連記事"] == "related-links"
    assert kinds["シェアする"] == "share-subscribe"


def test_traditional_chinese_source_and_editor_lines_are_credits_not_article() -> None:
    ex = extract_from_text(TRADITIONAL_PAGE)
    assert len(ex.text.split("\n\n")) == 3
    assert ex.text.startswith("（中央社伊斯蘭堡3日綜合外電報導）")
    assert ex.title == "印巴外長會談 同意明年初恢復副外長級磋商"
    kinds = _kinds(ex)
    assert kinds["責任編輯：王小明"] == "byline"
    assert kinds["2025年12月3日 上午10:21 來源：中央社"] == "byline"
    assert kinds["版權所有 © 2025 中央通訊社"] == "footer"


def test_a_sentence_that_names_a_source_or_an_editor_stays() -> None:
    # the credit words inside a sentence, not a credit line of their own
    said = "据来源：可靠的消息人士透露，双方还讨论了签证和宗教朝圣等问题，气氛友好。"
    body = [*SIMPLIFIED[:2], said]
    ex = extract_from_text("\n\n".join(["首页", "国际"] + body))
    assert ex.text.split("\n\n") == body


def test_chinese_and_japanese_characters_count_two_to_a_word() -> None:
    text = "印度和巴基斯坦外长会谈"
    toks = words_of(text)
    assert toks == list(text)  # one token a character
    assert word_count(text, toks) == 6  # 11 characters, about as many words as its English
    assert words_of("2025年 ABC の ニュース") == ["2025", "年", "ABC", "の", "ニ", "ュ", "ー", "ス"]
    assert word_count("India and Pakistan", words_of("India and Pakistan")) == 3
    assert words_of("한국어 뉴스") == ["한국어", "뉴스"]  # Korean spaces its words


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2025年12月3日 10時21分", "2025-12-03"),
        ("2019年6月24日", "2019-06-24"),
        ("2024년 3월 5일", "2024-03-05"),
        ("發布時間：2023年 1月 9日 上午10:21", "2023-01-09"),
    ],
)
def test_chinese_japanese_and_korean_dates_are_read(text: str, day: str) -> None:
    assert parse_date(text) == day
    stamp = parse_stamp(text)
    assert stamp is not None and stamp.startswith(day)


def test_a_month_and_day_without_a_year_is_no_date() -> None:
    assert parse_date("6月24日 11時30分") is None
    assert parse_stamp("6月24日 11時30分") is None


HINDI = [
    "पाकिस्तान के विदेश मंत्री ने बुधवार को इस्लामाबाद में भारत के विदेश मंत्री से मुलाकात की और दोनों "
    "देशों के संबंधों, क्षेत्रीय सुरक्षा तथा सिंधु जल संधि पर विचार किया।",
    "पाकिस्तान ने कहा कि वह आपसी सम्मान के आधार पर भारत के साथ व्यापक बातचीत फिर से शुरू करने को "
    "तैयार है। भारत ने कहा कि आतंकवाद संबंधों को सामान्य बनाने में सबसे बड़ी बाधा है।",
    "विश्लेषकों का कहना है कि दोनों विदेश मंत्रियों की यह लगभग तीन साल में पहली औपचारिक मुलाकात है।",
]
URDU = [
    "پاکستان کے وزیر خارجہ نے بدھ کے روز اسلام آباد میں بھارت کے وزیر خارجہ سے ملاقات کی اور دونوں "
    "ممالک کے تعلقات، علاقائی سلامتی اور سندھ طاس معاہدے پر تبادلہ خیال کیا۔",
    "پاکستان نے کہا کہ وہ باہمی احترام کی بنیاد پر بھارت کے ساتھ جامع مذاکرات دوبارہ شروع کرنے کے "
    "لیے تیار ہے۔ بھارت نے کہا کہ دہشت گردی تعلقات کو معمول پر لانے میں سب سے بڑی رکاوٹ ہے۔",
    "تجزیہ کاروں کا کہنا ہے کہ دونوں وزرائے خارجہ کی تقریباً تین سال میں یہ پہلی باضابطہ ملاقات ہے۔",
]


@pytest.mark.parametrize(
    ("menu", "headline", "dateline", "body", "rail"),
    [
        (
            ["होम", "देश", "विदेश", "खेल"],
            "भारत और पाकिस्तान के विदेश मंत्रियों की बातचीत, वार्ता फिर शुरू करने पर सहमति",
            "नई दिल्ली | 3 दिसंबर 2025",
            HINDI,
            ["ये भी पढ़ें", "शेयर बाजार में तेजी, सेंसेक्स 500 अंक चढ़ा"],
        ),
        (
            ["صفحہ اول", "پاکستان", "دنیا", "کھیل"],
            "پاکستان اور بھارت کے وزرائے خارجہ کی ملاقات، مذاکرات کی بحالی پر اتفاق",
            "اسلام آباد | 3 دسمبر 2025",
            URDU,
            ["یہ بھی پڑھیں", "اسٹاک مارکیٹ میں تیزی، انڈیکس 500 پوائنٹس بڑھ گیا"],
        ),
    ],
    ids=["hindi", "urdu"],
)
def test_a_hindi_or_urdu_page_paste_keeps_its_article_and_drops_its_dateline(
    menu: list[str], headline: str, dateline: str, body: list[str], rail: list[str]
) -> None:
    ex = extract_from_text("\n\n".join([*menu, headline, dateline, *body, *rail]))
    assert ex.text.split("\n\n") == body
    assert ex.title == headline
    assert ex.published_at is not None and ex.published_at.startswith("2025-12-03")
    kinds = _kinds(ex)
    assert kinds[dateline] == "dateline"
    assert all(kinds[line] == "related-links" for line in rail)


def test_hindi_vowel_signs_and_arabic_harakat_stay_inside_their_words() -> None:
    assert words_of("मंत्रियों की बातचीत।") == ["मंत्रियों", "की", "बातचीत"]
    assert words_of("مُحَمَّد کا") == ["مُحَمَّد", "کا"]
    assert words_of("naïve café") == ["naïve", "café"]


@pytest.mark.parametrize(
    ("line", "dateline"),
    [
        ("New Delhi | 3 December 2025", True),
        ("Islamabad, 3 December 2025 10:21 PKT", True),
        ("اسلام آباد | 3 دسمبر 2025", True),
        ("Budget 2025 | 3 December 2025", False),  # a headline: other figures
        ("India and Pakistan talks resume | 3 December 2025", False),  # too many words
        ("3 December 2025", False),  # a bare date: a stamp, not a place and date
    ],
)
def test_a_place_and_its_date_alone_on_a_line_is_a_dateline(line: str, dateline: bool) -> None:
    assert is_place_and_stamp(line) is dateline


@pytest.mark.parametrize(
    ("line", "stamp"),
    [
        ("Veröffentlicht am 26. Oktober 2023", True),
        ("Published on 26 October 2023", True),
        ("Publié le 3 mai 2024 à 10h", True),
        ("Updated: 3 December 2025 10:21", True),
        ("Updated:3 December 2025", True),
        ("Atualizado em 3 de dezembro de 2025", True),
        ("Published14 April 2011", True),  # a hidden label pasted without its space
        ("- Published30 October 2012", True),  # and under a list's bullet
        ("A320 published 14 April 2011", False),  # a glued figure is no stamp word's
        ("Published in Nature, 3 December 2025, the study found a link", False),  # a sentence
        ("Published in Nature", False),  # no date
        ("26. Oktober 2023", False),  # a bare date: teasers carry them too
    ],
)
def test_a_date_behind_a_published_lead_in_is_a_published_stamp(line: str, stamp: bool) -> None:
    assert is_published_stamp(line) is stamp
