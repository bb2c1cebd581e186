"""Reads about accounts that several pages need."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import IdentityProof, ReviewStatus, SoleAccountStatement, User


def identity_current(user: User) -> IdentityProof | None:
    """The proof that decides the account's standing: the pending one, else the latest."""
    proofs = IdentityProof.objects.filter(user=user)
    return proofs.filter(status=ReviewStatus.PENDING).first() or proofs.first()


def identity_standing(user: User) -> IdentityProof | None:
    """The proof the account stands on: a verified one (kept while its renewal is reviewed), else the current one."""
    return IdentityProof.objects.filter(user=user, status=ReviewStatus.VERIFIED).first() or identity_current(user)


def sole_account_holder(user: User) -> SoleAccountStatement | None:
    return SoleAccountStatement.objects.filter(complainant_key=user.complainant_key, status=ReviewStatus.VERIFIED).select_related("user").first()


def accounts_sharing_name(user: User) -> QuerySet[User]:
    return User.objects.filter(role=User.Role.RIGHTS_HOLDER, complainant_key=user.complainant_key).exclude(pk=user.pk)


def needs_sole_account_confirmation(user: User) -> bool:
    """Several accounts under one complainant name, and this one is not the confirmed one."""
    if not user.is_rights_holder or not user.complainant_key or not accounts_sharing_name(user).exists():
        return False
    holder = sole_account_holder(user)
    return holder is None or holder.user_id != user.pk


@dataclass(frozen=True)
class Standing:
    """What decides whether a rights holder may file: the proof it stands on, and whether it must still be confirmed
    as the sole account of its name. A page that shows these and the block reason reads them once."""

    proof: IdentityProof | None
    needs_sole_account: bool


def account_standing(user: User) -> Standing:
    return Standing(identity_standing(user), needs_sole_account_confirmation(user))


def filing_block_reason(user: User, standing: Standing | None = None) -> str | None:
    """Why this user may not register IPRs or file complaints now, in words for the user; None if it may."""
    if not user.is_authenticated:
        return _("Sign in first.")
    if not user.is_rights_holder:
        return _("Only rights holders and their agents register IP rights and file complaints.")
    standing = standing or account_standing(user)
    proof = standing.proof
    if proof is None:
        return _("Your identity is not verified yet: upload a proof of identity.")
    if proof.status == ReviewStatus.PENDING:
        return _("Your proof of identity is being reviewed (due by %(due)s).") % {"due": proof.due_on.isoformat()}
    if proof.status == ReviewStatus.FAILED:
        return _("Your proof of identity was not accepted (%(reason)s). Fix it and submit it again.") % {
            "reason": proof.failure_reason_label.rstrip(".")}
    if proof.status == ReviewStatus.EXPIRED:
        return _("Your identity document has expired: upload a current one.")
    if standing.needs_sole_account:
        holder = sole_account_holder(user)
        if holder is not None:
            return _("Another account is confirmed as the sole account of “%(name)s”; only that account may file.") % {
                "name": user.complainant_name}
        return _("Another account is registered under “%(name)s”. Until one account is confirmed as the sole "
                 "account, none of them may file: upload the signed sole-account statement.") % {
            "name": user.complainant_name}
    return None


def identity_queue() -> QuerySet[IdentityProof]:
    """Pending identity proofs, oldest first."""
    return IdentityProof.objects.filter(status=ReviewStatus.PENDING).select_related("user").order_by("submitted_at", "pk")


def sole_account_queue() -> QuerySet[SoleAccountStatement]:
    return SoleAccountStatement.objects.filter(status=ReviewStatus.PENDING).select_related("user").order_by("submitted_at", "pk")
