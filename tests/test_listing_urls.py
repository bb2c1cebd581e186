"""Reading pasted product addresses: what each line says, and why a bad line is refused.

The platforms are the rows migration 0002 seeds (their ``hosts`` and ``url_patterns``), so
these tests prove the shapes an admin starts with. Lines are read one by one with
``read_line``; whole lists go through ``services.listings_check``, which also knows the
catalogue (does the listing exist, is it repeated, is it already reported).
"""

import pytest

from complaints import services
from complaints.listing_urls import ProductUrl, UrlProblem, read_line
from complaints.models import ComplaintItem, Listing, Platform
from ipr import services as ipr_services

from .conftest import LISTING_URLS, approve_ipr, make_ipr, make_listing, make_user

pytestmark = pytest.mark.django_db

ALIEXPRESS, ALIBABA, ALI1688 = "1005001234567890", "1600123456789", "612345678901"
TAOBAO, TMALL, TMALLHK, LAZADA = "600123456789", "620123456789", "630123456789", "123456789"
TAOBAO_2 = "600123456780"


@pytest.fixture
def platforms() -> dict[str, Platform]:
    return {platform.code: platform for platform in Platform.objects.all()}


def read(platforms, code: str, line: str) -> ProductUrl | UrlProblem:
    return read_line(7, line, platform=platforms[code], platforms=list(platforms.values()))


def assert_plain(message: str) -> None:
    """A message a filer can act on: a finished sentence, no leftover placeholders or internals."""
    assert message.strip() and message.endswith(".")
    assert not any(leak in message for leak in ("%(", "{", "None", "regex", "pattern", "(?P"))


# --- Addresses that are product pages ------------------------------------------------------------

ACCEPTED = [
    # AliExpress: /item/<id>.html on any country or mobile site
    ("aliexpress", f"https://www.aliexpress.com/item/{ALIEXPRESS}.html", ALIEXPRESS),
    ("aliexpress", f"http://www.aliexpress.com/item/{ALIEXPRESS}.html", ALIEXPRESS),
    ("aliexpress", f"https://es.aliexpress.com/item/{ALIEXPRESS}.html?spm=a2g0o.productlist.main.1&gatewayAdapt=glo2esp", ALIEXPRESS),
    ("aliexpress", f"https://m.aliexpress.com/item/{ALIEXPRESS}.html#nav-review", ALIEXPRESS),
    ("aliexpress", f"aliexpress.com/item/{ALIEXPRESS}.html", ALIEXPRESS),
    ("aliexpress", f"  HTTPS://WWW.ALIEXPRESS.COM/item/{ALIEXPRESS}.html\t", ALIEXPRESS),
    ("aliexpress", f"https://www.aliexpress.us/item/{ALIEXPRESS}.html?pdp_npi=4%40dis", ALIEXPRESS),
    # Alibaba.com: /product-detail/<title>_<id>.html, and the mobile site's /product/<id>/<title>.html
    ("alibaba", f"https://www.alibaba.com/product-detail/Mens-Running-Shoes-Breathable_{ALIBABA}.html", ALIBABA),
    ("alibaba", f"http://www.alibaba.com/product-detail/Mens-Running-Shoes_{ALIBABA}.html?spm=a2700.galleryofferlist.normal_offer.d_title", ALIBABA),
    ("alibaba", f"https://m.alibaba.com/product/{ALIBABA}/Mens-Running-Shoes.html", ALIBABA),
    ("alibaba", f"www.alibaba.com/product-detail/Mens-Running-Shoes_{ALIBABA}.html#specs", ALIBABA),
    ("alibaba", f"\tWWW.ALIBABA.COM/product-detail/Mens-Running-Shoes_{ALIBABA}.html ", ALIBABA),
    # 1688: detail.1688.com/offer/<id>.html
    ("1688", f"https://detail.1688.com/offer/{ALI1688}.html", ALI1688),
    ("1688", f"http://detail.1688.com/offer/{ALI1688}.html?spm=a26352.13672862.offerlist.1&tracelog=p4p", ALI1688),
    ("1688", f"https://m.1688.com/offer/{ALI1688}.html", ALI1688),
    ("1688", f"detail.1688.com/offer/{ALI1688}.html#desc", ALI1688),
    ("1688", f"\tHTTPS://DETAIL.1688.COM/offer/{ALI1688}.html  ", ALI1688),
    # Taobao: item.taobao.com/item.htm?id=, wherever the id sits among the tracking parameters
    ("taobao", f"https://item.taobao.com/item.htm?id={TAOBAO}", TAOBAO),
    ("taobao", f"http://item.taobao.com/item.htm?spm=a21bo&id={TAOBAO}&ns=1", TAOBAO),
    ("taobao", f"https://item.taobao.com/item.htm?id={TAOBAO}&ali_refid=a3_430582&spm=a230r.1.14.8", TAOBAO),
    ("taobao", f"https://h5.m.taobao.com/awp/core/detail.htm?id={TAOBAO}", TAOBAO),
    ("taobao", f"https://h5.m.taobao.com/awp/core/detail.htm?ft=t&id={TAOBAO}&spm=0.0.0", TAOBAO),
    ("taobao", f"item.taobao.com/item.htm?id={TAOBAO}", TAOBAO),
    ("taobao", f"https://item.taobao.com/item.htm?id={TAOBAO}#detail", TAOBAO),
    ("taobao", f"   ITEM.TAOBAO.COM/item.htm?id={TAOBAO}\t", TAOBAO),
    ("taobao", f"https://world.taobao.com/item/{TAOBAO}.htm?spm=a21wu", TAOBAO),
    # Tmall: detail.tmall.com/item.htm?id=
    ("tmall", f"https://detail.tmall.com/item.htm?id={TMALL}", TMALL),
    ("tmall", f"http://detail.tmall.com/item.htm?spm=a220m.1000858&id={TMALL}&skuId=4455&user_id=1", TMALL),
    ("tmall", f"https://detail.m.tmall.com/item.htm?id={TMALL}", TMALL),
    ("tmall", f"detail.tmall.com/item.htm?id={TMALL}#description", TMALL),
    ("tmall", f"  DETAIL.TMALL.COM/item.htm?id={TMALL}", TMALL),
    # Tmall HK: detail.tmall.hk/hk/item.htm?id=
    ("tmallhk", f"https://detail.tmall.hk/hk/item.htm?id={TMALLHK}", TMALLHK),
    ("tmallhk", f"http://detail.tmall.hk/hk/item.htm?spm=a1z10&id={TMALLHK}&ns=1", TMALLHK),
    ("tmallhk", f"https://detail.m.tmall.hk/item.htm?id={TMALLHK}", TMALLHK),
    ("tmallhk", f"detail.tmall.hk/hk/item.htm?id={TMALLHK}#J_Reviews", TMALLHK),
    ("tmallhk", f" HTTPS://DETAIL.TMALL.HK/hk/item.htm?id={TMALLHK}", TMALLHK),
    # Lazada: www.lazada.<country>/products/<slug>-i<id>.html, with or without the SKU part
    ("lazada", f"https://www.lazada.sg/products/running-shoes-i{LAZADA}.html", LAZADA),
    ("lazada", f"https://www.lazada.com.my/products/running-shoes-i{LAZADA}-s987654321.html?spm=a2o4k.searchlist&search=1", LAZADA),
    ("lazada", f"http://www.lazada.co.th/products/running-shoes-i{LAZADA}.html", LAZADA),
    ("lazada", f"https://www.lazada.com.ph/products/running-shoes-i{LAZADA}.html#module_product_detail", LAZADA),
    ("lazada", f"www.lazada.vn/products/giay-chay-bo-i{LAZADA}.html", LAZADA),
    ("lazada", f"https://m.lazada.co.id/products/sepatu-lari-i{LAZADA}.html?clickTrackInfo=abc,def", LAZADA),
    ("lazada", f"  HTTPS://WWW.LAZADA.SG/products/running-shoes-i{LAZADA}.html ", LAZADA),
]


@pytest.mark.parametrize(("code", "line", "listing_id"), ACCEPTED)
def test_every_usual_shape_of_a_product_address_reads_as_its_listing_id(platforms, code, line, listing_id):
    result = read(platforms, code, line)
    assert isinstance(result, ProductUrl) and (result.line, result.listing_id) == (7, listing_id)
    # Kept on the complaint item and shown as a link: the address as given, with a scheme when it had none.
    assert result.url.lower().startswith(("https://", "http://")) and result.url.endswith(line.strip())


def test_the_canonical_addresses_the_catalogue_keeps_read_back_on_every_platform(platforms):
    for code, shape in LISTING_URLS.items():
        assert read(platforms, code, shape.format(id="4242424242")).listing_id == "4242424242"


# --- Addresses that are not, and why ---------------------------------------------------------------

T1 = f"https://item.taobao.com/item.htm?id={TAOBAO}"
T2 = f"https://item.taobao.com/item.htm?id={TAOBAO_2}"

REFUSED = [
    # invalid_url: not an address at all, another scheme, words around the address
    ("taobao", "sneakers", "invalid_url", ["not a valid web address"]),
    ("taobao", "https://", "invalid_url", ["not a valid web address"]),
    ("taobao", f"ftp://item.taobao.com/item.htm?id={TAOBAO}", "invalid_url", ["https://", "ftp://"]),
    ("taobao", "mailto:shop@taobao.com", "invalid_url", ["not a valid web address"]),
    ("taobao", "the red sneakers from that shop", "invalid_url", ["no spaces"]),
    ("taobao", f"{T1} (the red ones)", "invalid_url", ["no spaces", "keep only"]),
    # wrong_platform: another platform's product names both; an unrelated site names its host
    ("taobao", f"https://detail.tmall.com/item.htm?id={TMALL}", "wrong_platform", ["Tmall address", "for Taobao"]),
    ("tmall", T1, "wrong_platform", ["Taobao address", "for Tmall"]),
    ("tmallhk", f"https://detail.tmall.com/item.htm?id={TMALL}", "wrong_platform", ["Tmall address", "for Tmall HK"]),
    ("aliexpress", f"https://www.alibaba.com/product-detail/Shoes_{ALIBABA}.html", "wrong_platform",
     ["Alibaba.com address", "for AliExpress"]),
    ("lazada", "https://www.amazon.com/dp/B07XJ8C8F5", "wrong_platform", ["www.amazon.com", "Lazada", "lazada.sg"]),
    ("taobao", "https://taobao.com.example.net/item.htm?id=1", "wrong_platform", ["taobao.com.example.net", "Taobao"]),
    # separate_platform: AliExpress Russia and its subdomains, whichever platform the complaint is for
    ("aliexpress", f"https://aliexpress.ru/item/{ALIEXPRESS}.html", "separate_platform",
     ["AliExpress Russia", "https://aliexpress.ru"]),
    ("aliexpress", "https://aliexpress.ru/item/1.html", "separate_platform", ["AliExpress Russia", "own"]),
    ("aliexpress", f"https://m.aliexpress.ru/item/{ALIEXPRESS}.html?sku_id=1", "separate_platform", ["https://aliexpress.ru"]),
    ("taobao", f"https://www.aliexpress.ru/item/{ALIEXPRESS}.html", "separate_platform", ["AliExpress Russia"]),
    # not_product_page: search results, shops, categories
    ("taobao", "https://s.taobao.com/search?q=running+shoes", "not_product_page", ["Taobao", "search results"]),
    ("taobao", "https://shop123.taobao.com", "not_product_page", ["Taobao", "shop"]),
    ("taobao", "https://shop123456789.taobao.com/index.htm?spm=a1z10.1-c", "not_product_page", ["Taobao"]),
    ("taobao", "https://item.taobao.com/item.htm?spm=a21bo.jianhua", "not_product_page", ["open the product"]),
    ("tmall", "https://list.tmall.com/search_product.htm?q=shoes&cat=50025135", "not_product_page", ["Tmall"]),
    ("tmall", "https://nike.tmall.com/category-1234567.htm", "not_product_page", ["Tmall", "category"]),
    ("aliexpress", "https://www.aliexpress.com/store/123", "not_product_page", ["AliExpress"]),
    ("aliexpress", "https://www.aliexpress.com/category/100003109/women-clothing.html", "not_product_page", ["AliExpress"]),
    ("aliexpress", "https://www.aliexpress.com/w/wholesale-running-shoes.html?SearchText=running+shoes",
     "not_product_page", ["AliExpress"]),
    ("alibaba", "https://www.alibaba.com/showroom/shoes.html", "not_product_page", ["Alibaba.com"]),
    ("alibaba", "https://www.alibaba.com/trade/search?SearchText=shoes", "not_product_page", ["Alibaba.com"]),
    ("alibaba", "https://demoshop.en.alibaba.com/productlist.html", "not_product_page", ["Alibaba.com"]),
    ("1688", "https://s.1688.com/selloffer/offer_search.htm?keywords=shoes", "not_product_page", ["1688"]),
    ("1688", "https://shop1234567890.1688.com/page/offerlist.htm", "not_product_page", ["1688"]),
    ("lazada", "https://www.lazada.sg/catalog/?q=running+shoes", "not_product_page", ["Lazada"]),
    ("lazada", "https://www.lazada.com.my/shop/demo-shop/", "not_product_page", ["Lazada"]),
    ("lazada", "https://www.lazada.sg/shop-mens-sneakers/", "not_product_page", ["Lazada"]),
    # multiple_per_line: a space, a comma (with or without a space), a semicolon, glued together
    ("taobao", f"{T1} {T2}", "multiple_per_line", ["own line"]),
    ("taobao", f"{T1},{T2}", "multiple_per_line", ["own line"]),
    ("taobao", f"{T1}, {T2}", "multiple_per_line", ["own line"]),
    ("taobao", f"{T1};{T2}", "multiple_per_line", ["own line"]),
    ("taobao", f"{T1}{T2}", "multiple_per_line", ["own line"]),
    ("taobao", f"{T1}，{T2}", "multiple_per_line", ["own line"]),
    ("taobao", f"item.taobao.com/item.htm?id={TAOBAO} item.taobao.com/item.htm?id={TAOBAO_2}", "multiple_per_line", ["own line"]),
    ("taobao", "https://www.taobao.com/a www.taobao.com/b", "multiple_per_line", ["own line"]),
    # non_english: Chinese (or other non-ASCII) words anywhere in the address
    ("taobao", f"{T1}&q=运动鞋", "non_english", ["non-English"]),
    ("alibaba", f"https://www.alibaba.com/product-detail/男士跑步鞋_{ALIBABA}.html", "non_english", ["non-English"]),
    ("lazada", f"https://www.lazada.vn/products/giày-chạy-bộ-i{LAZADA}.html", "non_english", ["non-English"]),
]


@pytest.mark.parametrize(("code", "line", "problem", "words"), REFUSED)
def test_a_line_that_is_not_a_product_page_says_why_in_plain_words(platforms, code, line, problem, words):
    result = read(platforms, code, line)
    assert isinstance(result, UrlProblem)
    assert (result.line, result.url, result.code) == (7, line.strip(), problem)
    for word in words:
        assert word in result.message
    assert_plain(result.message)


# --- Whole lists: the catalogue, repeats, the limit --------------------------------------------------

def check(text: str, *, platform="taobao", complainant=None) -> services.ListingsCheck:
    return services.listings_check(platform=Platform.objects.get(code=platform), text=text, complainant=complainant)


def problems(result: services.ListingsCheck) -> list[tuple[int, str]]:
    return [(problem.line, problem.code) for problem in result.problems]


def test_every_bad_line_is_reported_at_once_in_line_order_numbered_as_the_user_sees_them():
    make_listing(listing_id=TAOBAO)
    text = "\n".join([
        T1,                                                      # 1 fine
        "",                                                      # 2 blank
        f"https://detail.tmall.com/item.htm?id={TMALL}",         # 3
        "   ",                                                   # 4 blank (spaces)
        "https://s.taobao.com/search?q=shoes",                   # 5
        T2,                                                      # 6 no such listing
        f"https://h5.m.taobao.com/awp/core/detail.htm?id={TAOBAO}&spm=1",  # 7 line 1 again
        "https://aliexpress.ru/item/1.html",                     # 8
    ])
    result = check(text)
    assert problems(result) == [(3, "wrong_platform"), (5, "not_product_page"), (6, "listing_not_found"),
                                (7, "duplicate"), (8, "separate_platform")]
    assert [(row.line, listing.listing_id) for row, listing in result.found] == [(1, TAOBAO)]
    for problem in result.problems:
        assert_plain(problem.message)


def test_an_address_of_the_right_shape_for_a_listing_that_does_not_exist_is_not_found():
    make_listing("tmall", listing_id=TAOBAO_2)  # the same number on another platform is another listing
    result = check(T2)
    assert problems(result) == [(1, "listing_not_found")]
    assert result.problems[0].message == f"There is no listing {TAOBAO_2} on Taobao; check the address."


def test_a_removed_listing_is_not_found_and_the_message_says_it_is_gone_already():
    make_listing(listing_id=TAOBAO, status=Listing.Status.REMOVED)
    result = check(T1)
    assert problems(result) == [(1, "listing_not_found")]
    assert "already been removed from Taobao" in result.problems[0].message


def test_the_same_listing_twice_is_a_duplicate_naming_the_first_line_even_in_another_form():
    make_listing(listing_id=TAOBAO)
    result = check(f"\n{T1}\n{T1}\nitem.taobao.com/item.htm?spm=a21bo&id={TAOBAO}&ns=1#detail")
    assert problems(result) == [(3, "duplicate"), (4, "duplicate")]
    assert {problem.message for problem in result.problems} == {"The same listing as line 2."}
    assert len(result.found) == 1


@pytest.fixture
def filed(holder, reviewer):
    """Acme's complaint against one Taobao listing, still being handled; returns (complaint, listing)."""
    listing = make_listing(listing_id=TAOBAO)
    ipr = approve_ipr(make_ipr(holder), reviewer=reviewer)
    complaint = services.complaint_file(user=holder, platform_code="taobao", ipr_id=ipr.pk, reason="counterfeit",
                                        urls_text=T1, statements=True)
    return complaint, listing


def test_a_listing_in_an_open_complaint_of_the_same_account_is_already_reported(filed, holder):
    result = check(f"https://item.taobao.com/item.htm?spm=a21bo&id={TAOBAO}", complainant=holder)
    assert problems(result) == [(1, "already_reported")]
    assert "already in one of your complaints" in result.problems[0].message


def test_another_accounts_complaint_does_not_make_a_listing_already_reported(filed, reviewer):
    other = make_user("brand@example.org", name="Other Brand GmbH", verified_by=reviewer)
    assert problems(check(T1, complainant=other)) == []


def test_a_withdrawn_item_frees_its_listing_for_a_new_complaint(filed, holder):
    complaint, _listing = filed
    services.complaint_withdraw(user=holder, complaint=complaint)
    assert problems(check(T1, complainant=holder)) == []


def test_an_item_on_hold_while_its_right_is_reauthenticated_still_counts_as_reported(filed, holder, reviewer):
    complaint, _listing = filed
    ipr_services.ipr_withdraw(ipr_id=complaint.ipr_id, actor=reviewer)
    assert complaint.items.get().state == ComplaintItem.State.HELD
    assert problems(check(T1, complainant=holder)) == [(1, "already_reported")]


def catalogue(count: int, *, start: int = 700_000_000_000) -> list[str]:
    """``count`` Taobao listings in one shop; their addresses, one per listing."""
    shop = make_listing(listing_id=str(start)).shop
    Listing.objects.bulk_create(
        Listing(platform_id="taobao", listing_id=str(start + n), url=LISTING_URLS["taobao"].format(id=start + n),
                title=f"Canvas sneaker {n}", shop=shop) for n in range(1, count))
    return [LISTING_URLS["taobao"].format(id=start + n) for n in range(count)]


def test_two_hundred_listings_fit_in_one_complaint_in_three_queries(holder, django_assert_num_queries):
    urls, taobao = catalogue(200), Platform.objects.get(code="taobao")
    with django_assert_num_queries(3):  # the platforms, the listings, the complainant's open items
        result = services.listings_check(platform=taobao, text="\n".join(urls), complainant=holder)
    assert problems(result) == [] and len(result.found) == 200


def test_the_201st_listing_is_one_too_many_problem_on_its_own_line_and_blank_lines_do_not_count():
    urls = catalogue(201)
    text = "\n".join(urls[:100]) + "\n\n\n" + "\n".join(urls[100:])
    result = check(text)
    assert problems(result) == [(203, "too_many")]
    assert "at most 200 listings" in result.problems[0].message and "201" in result.problems[0].message


def test_the_limit_is_the_platforms_setting_when_an_admin_changes_it():
    urls = catalogue(4)
    Platform.objects.filter(code="taobao").update(max_listings_per_complaint=3)
    result = check("\n".join(urls))
    assert problems(result) == [(4, "too_many")]
    assert "at most 3 listings" in result.problems[0].message
    assert problems(check("\n".join(urls[:3]))) == []


@pytest.mark.parametrize("line", [
    f"https://item.taobao.com/item.htm?id={TAOBAO}&utm_source=www.google.com",
    f"https://item.taobao.com/item.htm?id={TAOBAO}&ref=https://www.google.com/search?q=shoes",
    f"https://item.taobao.com/item.htm?id={TAOBAO}&from=https%3A%2F%2Fwww.baidu.com",
    f"\u200b\ufeffhttps://item.taobao.com/item.htm?id={TAOBAO}\u00a0",  # as copied from a chat app or a spreadsheet
])
def test_other_sites_named_in_a_tracking_query_or_invisible_characters_do_not_spoil_an_address(platforms, line):
    assert read(platforms, "taobao", line).listing_id == TAOBAO


def test_a_second_address_glued_to_the_first_is_still_two(platforms):
    glued = f"https://item.taobao.com/item.htm?id={TAOBAO}https://item.taobao.com/item.htm?id={TAOBAO_2}"
    assert read(platforms, "taobao", glued).code == "multiple_per_line"


def test_a_huge_paste_is_counted_past_the_limit_not_checked(django_assert_max_num_queries):
    urls = catalogue(3)
    text = "\n".join(urls + ["not a url"] * 50_000)
    with django_assert_max_num_queries(3):
        result = check(text)
    # 200 lines are read (197 bad ones reported), the other 49,803 only counted in the too_many problem.
    assert problems(result)[-1] == (201, "too_many") and len(result.problems) == 198
    assert "this list has 50003" in result.problems[-1].message


def test_an_admin_cannot_save_a_pattern_that_would_break_reading(platforms):
    from django.core.exceptions import ValidationError

    taobao = platforms["taobao"]
    taobao.url_patterns += "\n^broken(\n^item\\.taobao\\.com/x\\.htm"
    with pytest.raises(ValidationError) as refused:
        taobao.full_clean()
    messages = refused.value.message_dict["url_patterns"]
    assert any("not a valid regular expression" in m for m in messages)
    assert any("no (?P<id>…) group" in m for m in messages)
    # A broken pattern already saved (e.g. by SQL) is skipped, not a crash.
    Platform.objects.filter(code="taobao").update(url_patterns="^broken(\n" + platforms["taobao"].url_patterns)
    assert check(LISTING_URLS["taobao"].format(id=TAOBAO)).problems[0].code == "listing_not_found"
