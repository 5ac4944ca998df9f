"""One market over the four clouds: offers under one GPU naming, cheapest first."""

from pulumi_gpu.market.gpus import Gpu, normalize
from pulumi_gpu.market.offers import CLOUDS, Offer, OfferRequest, Offers, offers

__all__ = ["CLOUDS", "Gpu", "Offer", "OfferRequest", "Offers", "normalize", "offers"]
