// The GitHub Action's entry point. Wiring only (being built).
import * as core from '@actions/core';

core.setFailed('vulnreview: the action is not available in this build yet');
