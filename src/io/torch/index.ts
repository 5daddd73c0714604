// PyTorch export (issue 10, Shipping): a torch.nn.Sequential state_dict and the Python that loads it.
export { exportTorch, type ExportTorchOptions, type TorchExport } from './export';
