# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A hostile local HTTP(S) server for the adversarial tests (SPEC section 4 "Hostile answers", section 5 "Secrets")."""
