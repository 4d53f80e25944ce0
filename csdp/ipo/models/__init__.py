from csdp.ipo.models.offering import Offering, OfferingStatus, OfferingTransition, OFFERING_MACHINE, OFFERING_TRANSITIONS  # noqa: F401
from csdp.ipo.models.settlement import (  # noqa: F401
    EodStep,
    EodStepRun,
    ParticipantFile,
    ParticipantObligation,
    SettlementResult,
    ShortfallDeclaration,
    Subscription,
    SubscriptionOutcome,
)
from csdp.ipo.models.filings import (  # noqa: F401
    DetailFiling,
    FilingKind,
    FilingStatus,
    FILING_TRANSITIONS,
    PlacementDetail,
)
from csdp.ipo.models.application import LockupShareholder  # noqa: F401
from csdp.ipo.models.stop import OfferingStop, RefundItem, StopKind, StopRefund, StopStage  # noqa: F401
