"""Data for the fault tests and the soak, built in the private database with the portal's own code.

Run with the stack's environment (``Stack.setup``), after ``migrate`` and ``seed_demo``:

    python tests/faults/setup_data.py base
    python tests/faults/setup_data.py listings --count 5000 [--owner seller@demo.test] [--platform taobao]
    python tests/faults/setup_data.py due-items --count 6000
    python tests/faults/setup_data.py users --holders 3 --reviewers 1 --sellers 1

Each prints one line of JSON (the last line of its output). The demo accounts (password
``ipp-demo-2026``) come from ``seed_demo``; what is added here goes through the same services
(``seed_demo``'s own helpers for accounts, identities and rights) or, for the bulk rows a
sweep works on, is made the way tests/test_workflow_worker.py makes them.
"""

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ipp.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from complaints.models import Complaint, ComplaintItem, ComplaintItemEvent, Listing, Shop  # noqa: E402
from ipp.management.commands.seed_demo import DEMO_PASSWORD  # noqa: E402
from ipp.management.commands.seed_demo import Command as Seed  # noqa: E402
from ipr.models import IPR  # noqa: E402

State = ComplaintItem.State
URLS = {"taobao": "https://item.taobao.com/item.htm?id={id}", "tmall": "https://detail.tmall.com/item.htm?id={id}"}
FIRST_ID = 810_000_000_000  # above the demo catalogue's ids


def china_trademark(user: User) -> IPR:
    return IPR.objects.filter(filed_by=user, kind="trademark", jurisdiction="CN", status=IPR.Status.APPROVED).first()


def account(email: str) -> dict:
    user = User.objects.get(email=email)
    right = china_trademark(user) if user.role == User.Role.RIGHTS_HOLDER else None
    return {"email": email, "id": user.pk, "role": user.role, "ipr": right.pk if right else None}


def base(args) -> dict:
    """The demo accounts the tests act as."""
    return {"password": DEMO_PASSWORD,
            **{key: account(f"{key}@demo.test") for key in ("holder", "reviewer", "seller", "admin")}}


def seller_shop(owner: User, platform: str) -> Shop:
    shop = Shop.objects.filter(owner=owner, platform_id=platform).order_by("pk").first()
    if shop is None:
        shop = Shop.objects.create(platform_id=platform, shop_id=f"faults-{owner.pk}", name=f"{owner.complainant_name}",
                                   owner=owner)
    return shop


def new_listings(count: int, *, owner: User, platform: str = "taobao") -> list[Listing]:
    shop = seller_shop(owner, platform)
    highest = Listing.objects.filter(platform_id=platform, listing_id__startswith="81").aggregate(top=Max("listing_id"))
    start = max(FIRST_ID, int(highest["top"] or 0) + 1)
    return Listing.objects.bulk_create(
        Listing(platform_id=platform, listing_id=str(start + n), url=URLS[platform].format(id=start + n),
                title=f"DEMOBRAND running shoe copy {start + n}", category="Shoes", shop=shop)
        for n in range(count))


def listings(args) -> dict:
    made = new_listings(args.count, owner=User.objects.get(email=args.owner), platform=args.platform)
    return {"urls": [listing.url for listing in made]}


def due_items(args) -> dict:
    """``count`` items notified to the demo seller whose window closed an hour ago: the seller-silence sweep takes each
    down (as in tests/test_workflow_worker.py, made as rows in bulk)."""
    holder, seller = User.objects.get(email="holder@demo.test"), User.objects.get(email=args.owner)
    with transaction.atomic():
        made = new_listings(args.count, owner=seller)
        complaint = Complaint.objects.create(complainant=holder, ipr=china_trademark(holder), platform_id="taobao",
                                             reason="counterfeit", status=Complaint.Status.OPEN,
                                             good_faith_statement=True, accuracy_statement=True,
                                             submitted_at=timezone.now())
        closed = timezone.now() - dt.timedelta(hours=1)
        items = ComplaintItem.objects.bulk_create(
            ComplaintItem(complaint=complaint, listing=listing, listing_url=listing.url, state=State.SELLER_NOTIFIED,
                          respond_by=closed, state_since=closed) for listing in made)
        ComplaintItemEvent.objects.bulk_create(
            ComplaintItemEvent(item=item, actor=None, from_state=State.IN_REVIEW, to_state=State.SELLER_NOTIFIED,
                               reason="accepted", effects_done_at=closed) for item in items)
    return {"complaint": complaint.pk, "items": len(items)}


def users(args) -> dict:
    """More accounts for the soak: verified rights holders with an approved right in China, reviewers, sellers."""
    seed = Seed()
    seed.stdout = open(os.devnull, "w")  # noqa: SIM115
    reviewer = User.objects.get(email="reviewer@demo.test")
    made = {"holders": [], "reviewers": [], "sellers": []}
    with transaction.atomic():
        for n in range(args.holders):
            email = f"holder{n + 1}@soak.test"
            user = seed._user(email, User.Role.RIGHTS_HOLDER, User.Identity.OWNER, User.RegistrantCategory.ENTITY,
                              f"Soak Brand {n + 1} Co., Ltd.", "CN")
            if not user.identity_proofs.exists():
                seed._identity(user, reviewer, verify=True)
            if china_trademark(user) is None:
                seed._right(user, reviewer, kind="trademark", outcome="approved", name=f"SOAKBRAND{n + 1}",
                            number=f"3{n + 1:07d}", jurisdiction="CN", owner_name=user.complainant_name,
                            registered_on=dt.date(2020, 1, 1), expires_on=dt.date(2035, 1, 1),
                            classes=[(25, "Clothing; footwear")])
            made["holders"].append(account(email))
        for n in range(args.reviewers):
            email = f"reviewer{n + 1}@soak.test"
            seed._user(email, User.Role.REVIEWER, "", "", f"Soak Reviewer {n + 1}", "CN")
            made["reviewers"].append(account(email))
        for n in range(args.sellers):
            email = f"seller{n + 1}@soak.test"
            seller_shop(seed._user(email, User.Role.SELLER, "", "", f"Soak Shop {n + 1}", "CN"), "taobao")
            made["sellers"].append(account(email))
    return made


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("base")
    for name in ("listings", "due-items"):
        command = commands.add_parser(name)
        command.add_argument("--count", type=int, required=True)
        command.add_argument("--owner", default="seller@demo.test")
        command.add_argument("--platform", default="taobao")
    command = commands.add_parser("users")
    for option in ("--holders", "--reviewers", "--sellers"):
        command.add_argument(option, type=int, default=0)
    args = parser.parse_args()
    answer = {"base": base, "listings": listings, "due-items": due_items, "users": users}[args.command](args)
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
