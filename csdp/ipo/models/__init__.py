from csdp.ipo.models.offering import (
    Offering,
    OfferingStatus,
    OfferingTransition,
    OFFERING_MACHINE,
    OFFERING_TRANSITIONS,
)
from csdp.ipo.models.settlement import (
    EodStep,
    EodStepRun,
    ParticipantFile,
    ParticipantObligation,
    SettlementResult,
    ShortfallDeclaration,
    Subscription,
    SubscriptionOutcome,
)
from csdp.ipo.models.filings import (
    DetailFiling,
    FilingKind,
    FilingStatus,
    FILING_TRANSITIONS,
    PlacementDetail,
)
from csdp.ipo.models.application import LockupShareholder
from csdp.ipo.models.stop import OfferingStop, RefundItem, StopKind, StopRefund, StopStage
