"""Legal sources link each paragraph to its text on gesetze-im-internet.de, and nothing else is markup."""

import pytest

from applications.templatetags.statutes import statute_links


@pytest.mark.parametrize(
    ("source", "links"),
    [
        ("§ 18g Abs. 1 S. 1 AufenthG", ["aufenthg_2004/__18g.html"]),
        ("§ 1 MiLoG; § 39 Abs. 2 S. 1 Nr. 1, § 5 Abs. 1 Nr. 1 AufenthG",
         ["milog/__1.html", "aufenthg_2004/__39.html", "aufenthg_2004/__5.html"]),
        ("§ 19c Abs. 2 AufenthG i. V. m. § 6 BeschV", ["aufenthg_2004/__19c.html", "beschv_2013/__6.html"]),
        ("§ 46 Abs. 2 Nr. 1 AufenthV", ["aufenthv/__46.html"]),
        ("Richtlinie (EU) 2021/1883", []),
    ],
)
def test_each_paragraph_links_to_its_law(source, links):
    html = str(statute_links(source))
    assert [part.split('"')[0] for part in html.split("https://www.gesetze-im-internet.de/")[1:]] == links
    assert html.startswith('<bdi dir="ltr">') and html.endswith("</bdi>")


def test_text_is_escaped():
    assert "<script>" not in str(statute_links("<script>alert(1)</script> § 5 AufenthG"))
