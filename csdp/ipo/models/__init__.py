from csdp.ipo.models.application import LockupShareholder
from csdp.ipo.models.filings import (
    FILING_TRANSITIONS,
    DetailFiling,
    FilingKind,
    FilingStatus,
    PlacementDetail,
)
from csdp.ipo.models.offering import (
    OFFERING_MACHINE,
    OFFERING_TRANSITIONS,
    Offering,
    OfferingStatus,
    OfferingTransition,
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
from csdp.ipo.models.stop import OfferingStop, RefundItem, StopKind, StopRefund, StopStage
