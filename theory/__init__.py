"""theory: the mathematics of self-distillation (sympy derivations, mpmath and float64 engines).

Pure mathematics, no I/O; never imports ``proofs_check`` (STYLE rule 1).  The public
objects are exported here; submodules hold one mathematical object each.
"""

from .ball import Ball, UndecidedError
from .bounds import bound_values
from .certified import BallTrajectory, self_distill_ball
from .certified_ridge import BallRidgeTrajectory, fixed_ridge_ball
from .derivation import Derivation, DerivationError, Step
from .distill import Trajectory, fitted_values, self_distill, trajectory_agreement
from .eigen import MpEigh, eigh_mp
from .eigen_ball import BallEigh, eigh_ball
from .errors import (InfeasibleError, InputError, PrecisionError, ProofsCheckError,
                     ResourceError, RoundsExceededError)
from .exact import FracEval, is_zero
from .green import (green_derivation, green_f64, green_function, green_gram, green_gram_mp,
                    green_mp, laplace_power_coeffs)
from .kernels import gaussian_gram, matern_gram, ntk_relu_gram, pairwise_distances
from .kernel_gd import KernelSpectrum, kernel_gd_f64, kernel_gd_mp, kernel_spectrum
from .kkt import (closed_form_k2, kkt_derivation, kkt_fit_f64, kkt_fit_mp, kkt_predict_f64,
                  secular_residual_f64, secular_residual_mp, slsqp_fit_f64,
                  solve_constrained_f64)
from .fixed_ridge import (RidgeTrajectory, fixed_ridge_distill, fixed_ridge_distill_design,
                          ridge_trajectory_agreement)
from .random_features import RandomFeatureModel, fit_random_features
from .ridge_risk import OracleWeights, oracle_weights
from .ensemble import (distill_from, ensemble_logits, knowledge_distill, self_distill_networks,
                       train_ensemble, view_strengths, views_learned)
from .label_updates import hard_sd_f64, reanchored_gd_f64, soft_sd_f64, soft_sd_limit_f64
from .multiview import MultiViewData, MultiViewParams, multiview_train_test, sample_multiview, sv_error
from .multiview_learner import LearnerParams, TrainedNetworks, train_networks
from .noisy_clusters import ClusterData
from .ntk import h_inf_gram, h_inf_gram_mc, h_inf_gram_mp, ntk2_gram, ntk2_gram_mc, ntk2_gram_mp
from .relu_net import ReluNet, relu_net_gd
from .secular import secular_root_f64, secular_root_mp
from .symbols import Inner, Norm

__all__ = [
    "Ball", "UndecidedError", "BallTrajectory", "self_distill_ball", "BallRidgeTrajectory",
    "fixed_ridge_ball", "BallEigh", "eigh_ball",
    "bound_values",
    "Derivation", "DerivationError", "Step",
    "Trajectory", "fitted_values", "self_distill", "trajectory_agreement",
    "MpEigh", "eigh_mp",
    "InfeasibleError", "InputError", "PrecisionError", "ProofsCheckError",
    "ResourceError", "RoundsExceededError",
    "FracEval", "is_zero",
    "green_derivation", "green_f64", "green_function", "green_gram", "green_gram_mp",
    "green_mp", "laplace_power_coeffs",
    "gaussian_gram", "matern_gram", "ntk_relu_gram", "pairwise_distances",
    "closed_form_k2", "kkt_derivation", "kkt_fit_f64", "kkt_fit_mp", "kkt_predict_f64",
    "secular_residual_f64", "secular_residual_mp", "slsqp_fit_f64", "solve_constrained_f64",
    "secular_root_f64", "secular_root_mp",
    "RidgeTrajectory", "fixed_ridge_distill", "fixed_ridge_distill_design",
    "ridge_trajectory_agreement", "OracleWeights", "oracle_weights",
    "KernelSpectrum", "kernel_gd_f64", "kernel_gd_mp", "kernel_spectrum",
    "hard_sd_f64", "reanchored_gd_f64", "soft_sd_f64", "soft_sd_limit_f64",
    "ClusterData",
    "h_inf_gram", "h_inf_gram_mc", "h_inf_gram_mp", "ntk2_gram", "ntk2_gram_mc", "ntk2_gram_mp",
    "ReluNet", "relu_net_gd",
    "distill_from", "ensemble_logits", "knowledge_distill", "self_distill_networks",
    "train_ensemble", "view_strengths", "views_learned",
    "MultiViewData", "MultiViewParams", "multiview_train_test", "sample_multiview", "sv_error",
    "LearnerParams", "TrainedNetworks", "train_networks",
    "RandomFeatureModel", "fit_random_features",
    "Inner", "Norm",
]
