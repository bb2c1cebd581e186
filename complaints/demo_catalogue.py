"""The demo's listings catalogue: about 250 realistic listings on every platform.

The catalogue is what the default marketplace adapter reads, so the demo needs listings
to search and complain about. Everything comes from one fixed random seed per platform:
every run builds the same shops and listings, and ``catalogue_seed`` adds only the ones
missing. Each platform has one "Demo Shop" run by the demo seller account, holding
listings the demo rights (DEMOBRAND, the water bottle design, the panda mascot, NORTHWIND)
plausibly cover, so the whole story — file, seller notified, seller answers — plays out
with the demo accounts. Pictures are the placeholders in ``static/catalogue/``.
"""

import datetime as dt
import random
import re
from dataclasses import dataclass

from django.db import transaction

from accounts.models import User

from .models import Listing, Platform, Shop

SEED = 20261123
LISTINGS_PER_PLATFORM = 250
SHOPS_PER_PLATFORM = 30
DEMO_SHOP_NAME = "Demo Shop"
DEMO_SHOP_ID = "880000001"
DEMO_SHOP_LISTINGS = 24
REMOVED_PER_PLATFORM = 8
LISTED_UNTIL = dt.date(2026, 11, 1)  # fixed, so a second run builds the very same rows

# Platforms whose sellers write in Chinese; the others list in English. Addresses stay ASCII.
CHINESE = {"taobao", "tmall", "tmallhk", "1688"}

CATEGORIES = {  # slug: the label stored on the listing (its picture is static/catalogue/<slug>.svg)
    "clothing": "Clothing", "shoes": "Shoes", "bags": "Bags", "watches": "Watches & jewellery", "toys": "Toys",
    "electronics": "Electronics accessories", "kitchen": "Kitchen", "beauty": "Beauty",
    "outdoor": "Sports & outdoor", "home": "Home",
}

PRODUCTS = {  # slug: (English, Chinese) names of what such shops sell
    "clothing": [("Running Jacket", "跑步夹克"), ("Hooded Sweatshirt", "连帽卫衣"), ("Cotton T-Shirt", "纯棉T恤"),
                 ("Denim Jeans", "牛仔裤"), ("Down Jacket", "羽绒服"), ("Pleated Skirt", "百褶裙"),
                 ("Yoga Leggings", "瑜伽裤"), ("Polo Shirt", "POLO衫"), ("Knitted Cardigan", "针织开衫"),
                 ("Cargo Pants", "工装裤")],
    "shoes": [("Running Shoes", "跑步鞋"), ("Canvas Sneakers", "帆布鞋"), ("Leather Loafers", "皮质乐福鞋"),
              ("Hiking Boots", "登山靴"), ("Slide Sandals", "拖鞋"), ("Basketball Shoes", "篮球鞋"), ("Ankle Boots", "短靴")],
    "bags": [("Leather Handbag", "真皮手提包"), ("Laptop Backpack", "电脑双肩包"), ("Crossbody Bag", "斜挎包"),
             ("Canvas Tote Bag", "帆布托特包"), ("Travel Duffel Bag", "旅行行李袋"), ("Card Holder Wallet", "卡包钱包"),
             ("Waist Bag", "腰包")],
    "watches": [("Quartz Wrist Watch", "石英手表"), ("Smart Watch Strap", "智能手表表带"),
                ("Stainless Steel Bracelet", "不锈钢手链"), ("Pearl Earrings", "珍珠耳环"),
                ("Silver Pendant Necklace", "银吊坠项链"), ("Leather Strap Watch", "皮带手表")],
    "toys": [("Building Blocks Set", "积木拼装套装"), ("Plush Teddy Bear", "毛绒泰迪熊"), ("Remote Control Car", "遥控赛车"),
             ("Wooden Puzzle", "木质拼图"), ("Sticker Pack", "贴纸套装"), ("Kids Drawing Board", "儿童画板")],
    "electronics": [("Phone Case", "手机壳"), ("USB-C Charging Cable", "Type-C数据线"),
                    ("Wireless Earbuds Case", "无线耳机保护套"), ("Power Bank 10000mAh", "10000毫安充电宝"),
                    ("Tempered Glass Screen Protector", "钢化膜"), ("Car Phone Holder", "车载手机支架")],
    "kitchen": [("Stainless Steel Vacuum Flask", "不锈钢保温杯"), ("Silicone Baking Mat", "硅胶烘焙垫"),
                ("Bamboo Cutting Board", "竹砧板"), ("Glass Food Container Set", "玻璃保鲜盒套装"),
                ("Ceramic Coffee Mug", "陶瓷马克杯"), ("Non-stick Frying Pan", "不粘煎锅")],
    "beauty": [("Matte Lipstick", "哑光口红"), ("Makeup Brush Set", "化妆刷套装"), ("Hydrating Face Serum", "补水精华液"),
               ("Sheet Face Mask 10 pcs", "面膜10片装"), ("Nail Polish Set", "指甲油套装"), ("Hair Clip Set", "发夹套装")],
    "outdoor": [("Trekking Poles", "登山杖"), ("Yoga Mat", "瑜伽垫"), ("Cycling Gloves", "骑行手套"),
                ("Sports Headband", "运动头带"), ("Camping Lantern", "露营灯"), ("Fishing Chair", "折叠钓鱼椅")],
    "home": [("Throw Pillow Cover", "抱枕套"), ("LED Desk Lamp", "LED台灯"), ("Storage Basket", "收纳筐"),
             ("Blackout Curtains", "遮光窗帘"), ("Scented Candle", "香薰蜡烛")],
}
ADJECTIVES = {  # slug: (English, Chinese) words such titles use for such products
    "clothing": [("Breathable", "透气"), ("Oversized", "宽松"), ("Slim Fit", "修身"), ("Korean Style", "韩版"),
                 ("Lightweight", "轻薄"), ("Thickened Warm", "加厚保暖")],
    "shoes": [("Breathable", "透气"), ("Lightweight", "轻便"), ("Non-slip", "防滑"), ("Cushioned", "缓震"),
              ("Waterproof", "防水"), ("Retro", "复古")],
    "bags": [("Large Capacity", "大容量"), ("Genuine Leather", "真皮"), ("Waterproof", "防水"), ("Minimalist", "简约"),
             ("Vintage", "复古")],
    "watches": [("Minimalist", "简约"), ("Luxury", "轻奢"), ("Waterproof", "防水"), ("Vintage", "复古"), ("Elegant", "优雅")],
    "toys": [("Educational", "益智"), ("Soft", "柔软"), ("Colorful", "彩色"), ("Kids", "儿童"), ("DIY", "手工")],
    "electronics": [("Ultra Thin", "超薄"), ("Transparent", "透明"), ("Durable", "耐用"), ("Magnetic", "磁吸"),
                    ("Shockproof", "防摔")],
    "kitchen": [("Food Grade", "食品级"), ("Heat Resistant", "耐高温"), ("Eco-friendly", "环保"), ("Large", "大号"),
                ("Dishwasher Safe", "可洗碗机")],
    "beauty": [("Long Lasting", "持久"), ("Moisturizing", "保湿"), ("Vegan", "植物"), ("Travel Size", "旅行装"),
               ("Waterproof", "防水")],
    "outdoor": [("Foldable", "折叠"), ("Lightweight", "轻量"), ("Anti-slip", "防滑"), ("Professional", "专业"),
                ("Portable", "便携")],
    "home": [("Nordic", "北欧"), ("Minimalist", "简约"), ("Handmade", "手工"), ("Cozy", "温馨"), ("Modern", "现代")],
}
LEADS = [("2026 New", "2026新款"), ("Hot Sale", "爆款"), ("Wholesale", "批发"), ("", ""), ("", ""), ("", "")]
EXTRAS = [("Free Shipping", "包邮"), ("Multiple Colors", "多色可选"), ("Gift Box", "礼盒装"),
          ("Factory Direct", "厂家直销"), ("In Stock", "现货速发"), ("", "")]

# Listings the demo rights plausibly cover: (category, English title, Chinese title, also in Demo Shop).
# The Chinese titles keep the English key words, as such titles often do, so one search finds them all.
TARGETS = [
    ("clothing", "DEMOBRAND Men's Running Jacket Windproof Lightweight", "DEMOBRAND 男士跑步夹克 running jacket 防风轻薄运动外套", True),
    ("clothing", "DEMOBRAND Women's Hooded Sports Sweatshirt", "DEMOBRAND 女款连帽运动卫衣 加绒", True),
    ("clothing", "DEMOBRAND Logo Cotton T-Shirt Unisex", "DEMOBRAND 大logo纯棉T恤 男女同款", False),
    ("shoes", "DEMOBRAND Trail Running Shoes", "DEMOBRAND 越野跑鞋 缓震透气", True),
    ("clothing", "DEMOBRAND Sports Socks 5 Pairs", "DEMOBRAND 运动袜 5双装", False),
    ("watches", "DEMOBRAND Stainless Steel Quartz Watch", "DEMOBRAND 不锈钢石英手表 商务男表", True),
    ("watches", "DEMOBRAND Logo Metal Key Ring", "DEMOBRAND 金属钥匙扣 logo款", False),
    ("kitchen", "Collapsible Silicone Water Bottle 600ml Foldable Travel Cup",
     "折叠硅胶水杯 collapsible water bottle 600ml 便携伸缩运动水壶", True),
    ("outdoor", "Collapsible Silicone Water Bottle with Carabiner for Hiking",
     "户外折叠硅胶水壶 collapsible silicone water bottle 带登山扣", False),
    ("toys", "Panda Mascot Sticker Pack 50 pcs Waterproof", "熊猫吉祥物贴纸 panda mascot sticker 防水卡通贴纸 50张", True),
    ("toys", "Panda Mascot Plush Toy 30cm", "熊猫吉祥物毛绒公仔 panda mascot plush 30cm", True),
    ("electronics", "Panda Mascot Cartoon Phone Case", "熊猫吉祥物 panda mascot 卡通手机壳", False),
    ("outdoor", "Northwind Hiking Backpack 40L Waterproof", "NORTHWIND 户外登山背包 hiking backpack 40L 防水双肩包", True),
    ("clothing", "Northwind Softshell Outdoor Jacket", "NORTHWIND 软壳冲锋衣 outdoor jacket 户外防风外套", True),
    ("shoes", "Northwind Waterproof Hiking Boots", "NORTHWIND 防水登山靴 hiking boots 男款徒步鞋", False),
    ("outdoor", "Northwind 2-Person Camping Tent", "NORTHWIND 双人露营帐篷 camping tent 防雨", False),
]

_CITIES = [("Yiwu", "义乌"), ("Guangzhou", "广州"), ("Shenzhen", "深圳"), ("Hangzhou", "杭州"), ("Quanzhou", "泉州"),
           ("Ningbo", "宁波"), ("Dongguan", "东莞"), ("Xiamen", "厦门"), ("Wenzhou", "温州"), ("Suzhou", "苏州")]
_CORES = [("Sunrise", "星辰"), ("Bright Star", "优品"), ("Golden Bridge", "锦程"), ("Evergreen", "森野"),
          ("Blue Whale", "蓝鲸"), ("Little Deer", "小鹿"), ("Warm Sun", "暖阳"), ("Geek Lab", "极客"),
          ("Flower Talk", "花语"), ("Joy Move", "悦动"), ("Silver Cloud", "银云"), ("Red Lantern", "红灯笼")]
_SHOP_KINDS = {
    "taobao": ["小店", "百货", "运动户外店", "潮牌店", "精品店", "家居馆"],
    "tmall": ["旗舰店", "官方旗舰店", "专营店", "专卖店"],
    "tmallhk": ["海外旗舰店", "海外专营店", "海外直营店"],
    "1688": ["贸易有限公司", "服饰厂", "日用品厂", "工艺品有限公司"],
    "alibaba": ["Trading Co., Ltd.", "Apparel Co., Ltd.", "Import & Export Co., Ltd.", "Industrial Co., Ltd.",
                "Household Products Co., Ltd."],
    "aliexpress": ["Official Store", "Sports Store", "Fashion Store", "Home Store", "Global Store", "Factory Store"],
    "lazada": ["Official", "Mall", "Outlet", "Store"],
}
_LAZADA_SITES = ["sg", "com.my", "co.th", "com.ph", "vn", "co.id"]

# Listing ids as each platform numbers them.
_ID_RANGES = {
    "taobao": (600_000_000_000, 799_999_999_999), "tmall": (600_000_000_000, 799_999_999_999),
    "tmallhk": (600_000_000_000, 799_999_999_999), "1688": (600_000_000_000, 799_999_999_999),
    "alibaba": (1_600_000_000_000, 1_601_999_999_999), "aliexpress": (1_005_001_000_000_000, 1_005_006_999_999_999),
    "lazada": (100_000_000, 3_999_999_999),
}


@dataclass(frozen=True)
class DemoShop:
    shop_id: str
    name: str
    site: str  # Lazada's country site; empty elsewhere


@dataclass(frozen=True)
class DemoListing:
    listing_id: str
    url: str
    title: str
    category: str
    shop_id: str
    image: str
    removed: bool
    listed_on: dt.date


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


def product_url(code: str, listing_id: str, *, title: str, site: str, sku: int) -> str:
    """The canonical address of a listing, in the shape its platform's product pages have."""
    return {
        "taobao": f"https://item.taobao.com/item.htm?id={listing_id}",
        "tmall": f"https://detail.tmall.com/item.htm?id={listing_id}",
        "tmallhk": f"https://detail.tmall.hk/hk/item.htm?id={listing_id}",
        "1688": f"https://detail.1688.com/offer/{listing_id}.html",
        "alibaba": f"https://www.alibaba.com/product-detail/{_slug(title)}_{listing_id}.html",
        "aliexpress": f"https://www.aliexpress.com/item/{listing_id}.html",
        "lazada": f"https://www.lazada.{site}/products/{_slug(title).lower()}-i{listing_id}-s{sku}.html",
    }[code]


def _shops(code: str, rng: random.Random) -> list[DemoShop]:
    chinese = code in CHINESE
    names: set[str] = set()
    shops = [DemoShop(DEMO_SHOP_ID, DEMO_SHOP_NAME, "sg" if code == "lazada" else "")]
    while len(shops) < SHOPS_PER_PLATFORM + 1:
        city, core, kind = rng.choice(_CITIES), rng.choice(_CORES), rng.choice(_SHOP_KINDS[code])
        if code == "taobao":
            name = f"{core[1]}{kind}"
        elif chinese:
            name = f"{city[1]}{core[1]}{kind}"
        elif code == "alibaba":
            name = f"{city[0]} {core[0]} {kind}"
        else:
            name = f"{core[0]} {kind}"
        site = rng.choice(_LAZADA_SITES) if code == "lazada" else ""
        if code == "lazada":
            name = f"{name} {site.split('.')[-1].upper()}"
        if name in names:
            continue
        names.add(name)
        shops.append(DemoShop(str(rng.randrange(100_000_000, 799_999_999)), name, site))
    return shops


def _title(code: str, rng: random.Random, category: str) -> tuple[str, str]:
    """A plain listing's title in the platform's language, and its English form (for the address)."""
    lead, adjective = rng.choice(LEADS), rng.choice(ADJECTIVES[category])
    noun, extra = rng.choice(PRODUCTS[category]), rng.choice(EXTRAS)
    english = " ".join(part for part in (lead[0], adjective[0], noun[0], extra[0]) if part)
    if code in CHINESE:
        return " ".join(part for part in (lead[1] + adjective[1] + noun[1], extra[1]) if part), english
    return english, english


def build(code: str) -> tuple[list[DemoShop], list[DemoListing]]:
    """The demo shops and listings of one platform: the same on every call."""
    rng = random.Random(f"{SEED}-{code}")
    shops = _shops(code, rng)
    demo, others = shops[0], shops[1:]
    # (category, title, English title, shop): Demo Shop's targets first, then the targets elsewhere, then the rest.
    chinese = code in CHINESE
    rows = [(category, zh if chinese else en, en, demo) for category, en, zh, in_demo in TARGETS if in_demo]
    while len(rows) < DEMO_SHOP_LISTINGS:
        category = rng.choice(list(CATEGORIES))
        rows.append((category, *_title(code, rng, category), demo))
    for category, en, zh, _in_demo in TARGETS:  # the same goods in other shops, titled the way copies are
        lead = rng.choice(LEADS[:3])
        rows.append((category, f"{lead[1]} {zh}" if chinese else f"{lead[0]} {en}", f"{lead[0]} {en}", rng.choice(others)))
    while len(rows) < LISTINGS_PER_PLATFORM:
        category = rng.choice(list(CATEGORIES))
        rows.append((category, *_title(code, rng, category), rng.choice(others)))
    plain = range(DEMO_SHOP_LISTINGS + len(TARGETS), LISTINGS_PER_PLATFORM)
    removed = set(rng.sample(plain, REMOVED_PER_PLATFORM))
    low, high = _ID_RANGES[code]
    ids: dict[str, None] = {}  # ordered and unique
    while len(ids) < len(rows):
        ids[str(rng.randrange(low, high))] = None
    listings = [
        DemoListing(listing_id=listing_id, title=title, category=CATEGORIES[category], shop_id=shop.shop_id,
                    url=product_url(code, listing_id, title=english, site=shop.site, sku=rng.randrange(10**8, 10**10)),
                    image=f"catalogue/{category}.svg", removed=index in removed,
                    listed_on=LISTED_UNTIL - dt.timedelta(days=rng.randrange(0, 720)))
        for index, (listing_id, (category, title, english, shop)) in enumerate(zip(ids, rows, strict=True))
    ]
    return shops, listings


@dataclass(frozen=True)
class PlatformSeeded:
    platform: Platform
    listings: int
    shops: int
    in_demo_shop: int
    added: int


@transaction.atomic
def catalogue_seed(*, seller: User | None) -> list[PlatformSeeded]:
    """Add the demo shops and listings missing from the catalogue; ``seller`` runs each platform's Demo Shop.

    Idempotent: what exists already (even a listing taken down since) is left as it is.
    """
    seeded = []
    for platform in Platform.objects.all():
        shops, listings = build(platform.code)
        Shop.objects.bulk_create([Shop(platform=platform, shop_id=shop.shop_id, name=shop.name) for shop in shops],
                                 ignore_conflicts=True)
        if seller is not None:
            Shop.objects.filter(platform=platform, shop_id=DEMO_SHOP_ID, owner__isnull=True).update(owner=seller)
        by_id = dict(Shop.objects.filter(platform=platform, shop_id__in=[shop.shop_id for shop in shops])
                     .values_list("shop_id", "pk"))
        existing = set(Listing.objects.filter(platform=platform, listing_id__in=[row.listing_id for row in listings])
                       .values_list("listing_id", flat=True))
        missing = [row for row in listings if row.listing_id not in existing]
        Listing.objects.bulk_create([
            Listing(platform=platform, listing_id=row.listing_id, url=row.url, title=row.title, category=row.category,
                    shop_id=by_id[row.shop_id], image_urls=[row.image], listed_on=row.listed_on,
                    status=Listing.Status.REMOVED if row.removed else Listing.Status.ACTIVE)
            for row in missing], ignore_conflicts=True)
        seeded.append(PlatformSeeded(
            platform=platform, listings=len(listings), shops=len(shops), added=len(missing),
            in_demo_shop=sum(row.shop_id == DEMO_SHOP_ID for row in listings)))
    return seeded
